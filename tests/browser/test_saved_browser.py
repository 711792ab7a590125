"""Every save confirms itself and is announced (issue 17): the section introduction and the
document's details, edited from the document page in one click, say "saved" in the page's
status region, which screen readers read out (role="status" is a polite live region)."""

import pytest
from playwright.sync_api import expect

from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_section_introduction_saved_from_the_document_page_is_announced(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    page = page_for(expert)
    page.goto(live_server.url + document.get_absolute_url())
    page.get_by_role("link", name="Edit title and introduction").click()
    page.get_by_label("Introduction").fill("Prevention starts in the **community**.")
    page.get_by_role("button", name="Save").click()

    status = page.get_by_role("status")
    expect(status).to_contain_text("Section saved (revision 2).")
    expect(page.locator(".messages")).to_have_attribute("role", "status")
    section.refresh_from_db()
    assert section.revision == 2 and "**community**" in section.introduction


def test_document_details_saved_from_the_document_page_are_announced(
    page_for, live_server, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    page = page_for(secretariat)
    page.goto(live_server.url + document.get_absolute_url())
    page.get_by_role("link", name="Edit the title page or add an introduction").click()
    page.get_by_label("Introduction").fill("Members adopt these practices.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(f"Details of “{document}” saved.")
    document.refresh_from_db()
    assert document.introduction == "Members adopt these practices."
