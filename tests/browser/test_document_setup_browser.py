"""The secretariat sets up a "Recommendation" document starting at 20 — in a real browser."""

import pytest
from playwright.sync_api import expect

from drafting.models import Document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretariat_creates_a_recommendation_document_starting_at_20(
    page_for, live_server, secretariat
):
    page = page_for(secretariat, viewport={"width": 390, "height": 844})
    page.get_by_role("link", name="New document").click()
    page.get_by_label("Line above the title (optional)").fill("Working Group on Prevention")
    page.get_by_label("Title", exact=True).fill("Recommendations on Early Prevention")
    page.get_by_label("Short title").fill("Early Prevention")
    page.get_by_label("Forum", exact=True).fill("Global Forum")
    page.get_by_label("Label term").fill("Recommendation")
    page.get_by_label("First number").fill("20")
    page.get_by_label("Title of the first section (optional)").fill("Detection")
    page.get_by_role("button", name="Create the document").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendations on Early Prevention")
    expect(page.locator(".messages, [role=status]").first).to_contain_text("created")
    page.get_by_role("heading", name="Detection").get_by_role("link", name="Detection").click()
    page.get_by_role("link", name="+ Add a practice at the end").click()
    page.locator("input[name=heading]").fill("Train teachers to notice early signs.")
    page.get_by_role("button", name="Add practice").click()

    expect(page.locator(".practice-number").first).to_have_text("Recommendation 20")
    expect(page.get_by_text("Recommendation 20 added.")).to_be_visible()
    document = Document.objects.get(slug="early-prevention")
    assert (document.label_term, document.first_number) == ("Recommendation", 20)
