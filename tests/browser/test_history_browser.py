"""A reader opens a practice's history in a real browser, sees the redline, and restores;
pages through a long history and jumps to a date."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.history import timelines
from drafting.models import Practice
from tests.conftest import clock, make_document

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


def test_reader_jumps_to_a_date_and_pages_through_a_long_section_history(
    page_for, live_server, monkeypatch, expert, secretariat
):
    monkeypatch.setattr(timelines, "PER_PAGE", 5)  # the live server runs in this process
    day = datetime(2018, 3, 1, 9, 0, tzinfo=UTC)
    with clock(day):
        document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    for n in range(1, 13):
        with clock(day + timedelta(days=n)):
            practice = actions.update_practice(
                practice,
                by=expert,
                heading=practice.heading,
                body=f"Body on day {n}.",
                base_revision=practice.revision,
                reason=f"Edit on day {n}.",
            )
    day_3 = practice.history.get(history_change_reason="Edit on day 3.")

    page = page_for(expert)
    page.goto(f"{live_server.url}/sections/{practice.section_id}/history/")
    expect(page.locator(".history-change").first).to_contain_text("Edit on day 12.")
    page.get_by_role("link", name="Older changes").first.click()
    expect(page.locator(".history-change").first).to_contain_text("Edit on day 7.")

    page.get_by_label("Go to a date").first.fill("2018-03-04")
    page.get_by_role("button", name="Go").first.click()
    landed = page.locator(f"#change-p{day_3.history_id}")
    expect(landed).to_contain_text("Edit on day 3.")
    expect(landed).to_be_in_viewport()
    assert "page=2" in page.url
