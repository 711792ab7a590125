"""A reader opens a practice's history in a real browser, sees the redline, and restores."""

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.models import Practice
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_expert_sees_a_redline_in_history_and_restores_the_old_text(
    page_for, live_server, expert, other_expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=2)
    practice = document.sections.get().practices.order_by("position").last()
    actions.update_practice(
        practice,
        by=other_expert,
        heading=practice.heading,
        body="Body of 1.2, with schools and families.",
        base_revision=1,
        reason="Agreed at the Rabat workshop.",
    )
    page = page_for(expert)
    page.goto(f"{live_server.url}/documents/{document.slug}/")
    page.get_by_role("searchbox", name="Search the practices").fill("schools")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".search-results mark")).to_have_text("schools")

    page.goto(f"{live_server.url}/practices/{practice.pk}/history/")
    expect(page.get_by_role("heading", level=1)).to_have_text("History of Good Practice 2")
    latest = page.locator(".history-change").first
    expect(latest.locator(".redline-body ins")).to_have_text(", with schools and families")
    expect(latest.locator(".change-reason")).to_have_text("Agreed at the Rabat workshop.")
    expect(latest.locator(".change-who")).to_contain_text(other_expert.get_full_name())

    page.get_by_role("button", name="Restore revision 1").click()
    expect(page.locator(".messages")).to_contain_text("Restored: it is now revision 3.")
    expect(page.locator(".history-change").first.locator(".change-reason")).to_contain_text(
        "Restored revision 1 of Good Practice 2"
    )
    practice = Practice.objects.get(pk=practice.pk)
    assert (practice.body, practice.revision) == ("Body of 1.2.", 3)
