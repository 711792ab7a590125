"""The secretariat deletes a section with a mouse, finds it on the Deleted page and restores it."""

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.models import Amendment, Practice, Section
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretariat_deletes_a_section_then_restores_it_from_deleted(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=3, practices=2)
    first, middle, last = document.sections.order_by("position")
    practice = middle.practices.order_by("position").first()
    amendment = actions.propose_change(
        practice, by=expert, heading="Sharper heading", body="", rationale="Clearer."
    )

    page = page_for(secretariat)
    page.goto(live_server.url + middle.get_absolute_url())
    page.get_by_role("link", name="Delete section").click()
    expect(page.locator("main")).to_contain_text("its 2 practices")
    expect(page.locator("main")).to_contain_text("1 amendment")
    # It says which numbers change before anything is deleted (issue 17).
    expect(page.locator(".renumbering")).to_have_text("This renumbers Good Practices 5–6 as 3–4.")
    page.get_by_label("Reason for deleting").fill("Merged into Section 1.")
    page.get_by_role("button", name="Delete", exact=True).click()

    expect(page.locator(".messages")).to_contain_text("Section “Section 2” deleted")
    expect(page.locator(".doc-text")).not_to_contain_text("Section 2")
    expect(page.locator(f"#section-{last.pk}")).to_contain_text("Good Practice 3")

    # "Undo" leads to the entry on the Deleted page, with its Restore button.
    page.locator(".messages").get_by_role("link", name="Undo").click()
    entry = page.locator(".deleted-item").first
    expect(entry).to_contain_text("Section 2")
    expect(entry).to_contain_text("2 practices, 1 amendment")
    expect(entry).to_contain_text("Merged into Section 1.")
    entry.get_by_placeholder("Reason (optional)").fill("Kept separate after all.")
    entry.get_by_role("button", name="Restore").click()

    expect(page.locator(".messages")).to_contain_text("restored with everything in it")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Section 2")
    expect(page.locator(f"#practice-{practice.pk}")).to_contain_text("Good Practice 3")
    assert Section.objects.filter(pk=middle.pk).exists()
    assert Practice.objects.filter(section=middle).count() == 2
    assert Amendment.objects.get(pk=amendment.pk).practice_id == practice.pk

    page.goto(f"{live_server.url}/documents/{document.slug}/deleted/")
    expect(page.locator(".deleted-item").first).to_contain_text("Restored by")
