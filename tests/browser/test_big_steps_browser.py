"""Big steps ask first, with a mouse (issue 17): moving a section or deleting a practice says
which numbers change, sending for review says the expert loses direct editing, marking final
lists what is still open, and recording the adoption proposes the plenary's date and refuses
an earlier one."""

from datetime import date

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.models import Document, Practice, Section
from tests.conftest import NOT_AGREED, make_document
from tests.test_workflow import _submitted_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_section_down_on_the_document_page_says_what_it_renumbers_before_moving(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=3, practices=2)
    first, second, _third = document.sections.order_by("position")
    page = page_for(expert)
    page.goto(live_server.url + document.get_absolute_url())

    page.get_by_role("button", name=f"Move section {first.title} down").click()
    expect(page.locator("h1")).to_have_text(f"Move section “{first.title}”")
    expect(page.locator(".lead")).to_have_text(
        f"This moves “{first.title}” below “{second.title}” and renumbers Good Practices 1–4."
    )
    # Asking moved nothing; Cancel goes back with the order unchanged.
    assert list(document.sections.order_by("position")) == [first, second, _third]
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator(".doc-header h1, h1").first).to_be_visible()
    assert list(document.sections.order_by("position"))[0] == first

    page.get_by_role("button", name=f"Move section {first.title} down").click()
    page.get_by_label("Reason").fill("Detection reads better first.")
    page.get_by_role("button", name="Move down").click()
    expect(page.locator(".messages")).to_contain_text(f"Section “{first.title}” moved down.")
    assert list(document.sections.order_by("position"))[:2] == [second, first]
    row = Section.history.filter(id=first.pk).order_by("-history_id").first()
    assert row.history_user == expert


def test_deleting_a_practice_says_which_numbers_change_before_deleting(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=2)
    first = document.sections.order_by("position").first()
    doomed = first.practices.order_by("position").first()
    page = page_for(expert)
    page.goto(live_server.url + first.get_absolute_url())
    page.locator(f"#practice-{doomed.pk}").get_by_role("link", name="Delete").click()
    expect(page.locator(".renumbering")).to_have_text("This renumbers Good Practices 2–4 as 1–3.")
    assert Practice.objects.filter(pk=doomed.pk).exists()  # asking deleted nothing
    page.get_by_label("Reason for deleting").fill("Covered by Good Practice 2.")
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("deleted")
    assert not Practice.objects.filter(pk=doomed.pk).exists()


def test_an_expert_is_warned_before_sending_a_section_for_review(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    page = page_for(expert)
    page.goto(live_server.url + section.get_absolute_url())
    page.get_by_role("link", name="Send for review…").click()
    expect(page.locator(".notice")).to_contain_text(
        "can no longer be edited directly, by you or any expert"
    )
    page.get_by_role("link", name="Cancel").click()
    section.refresh_from_db()
    assert section.status == Section.Status.DRAFTING

    page.get_by_role("link", name="Send for review…").click()
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator("h1 .badge")).to_have_text("In review")


def test_mark_final_lists_the_unresolved_comment_and_an_open_amendment_blocks_it(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=1)
    first, second = document.sections.order_by("position")
    actions.open_document_review(document, by=secretariat)
    comment = actions.add_comment(second, by=expert, body="Still unsure about the scope.")
    practice = first.practices.get()
    actions.request_review(first, by=secretariat)
    amendment = actions.propose_change(
        practice, by=expert, heading="Changed", body="", rationale="Clearer."
    )
    actions.request_review(second, by=secretariat)
    actions.approve_section(second, by=secretariat, not_agreed_reason=NOT_AGREED)

    clerk = page_for(secretariat)
    dashboard = f"{live_server.url}/documents/{document.slug}/dashboard/"
    clerk.goto(dashboard)
    # The open amendment blocks "Mark final", and the page says so next to the button.
    expect(clerk.get_by_role("button", name="Mark final")).to_be_disabled()
    expect(clerk.locator(".next-step")).to_contain_text("1 amendment is still open")

    actions.withdraw_amendment(amendment, by=expert)
    actions.approve_section(first, by=secretariat, not_agreed_reason=NOT_AGREED)
    clerk.goto(dashboard)
    clerk.get_by_role("link", name="Mark final…").click()
    still_open = clerk.locator(".still-open")
    expect(still_open).to_contain_text("1 unresolved comment")
    expect(still_open).to_contain_text("Still unsure about the scope.")
    expect(still_open.get_by_role("link", name=second.title)).to_have_attribute(
        "href", f"{second.get_absolute_url()}#comment-{comment.pk}"
    )
    clerk.get_by_role("button", name="Mark final anyway").click()
    expect(clerk.locator(".messages")).to_contain_text("marked final")
    document.refresh_from_db()
    assert document.status == Document.Status.FINAL


def test_record_adoption_proposes_the_plenary_date_and_refuses_one_before_the_submission(
    page_for, live_server, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    _submitted_on(document, secretariat, date(2018, 9, 20))

    clerk = page_for(secretariat)
    clerk.goto(f"{live_server.url}/documents/{document.slug}/dashboard/")
    clerk.get_by_role("link", name="Record adoption…").click()
    expect(clerk.locator(".notice")).to_contain_text("closes the document for good")
    adopted_on = clerk.get_by_label("Adopted on")
    expect(adopted_on).to_have_value("2018-09-27")  # the plenary's last day

    # A day before the submission: the browser does not send it (the server refuses it
    # too: tests/test_workflow.py), and nothing is adopted.
    adopted_on.fill("2018-09-01")
    clerk.get_by_role("button", name="Record adoption").click()
    assert adopted_on.evaluate("field => field.validity.rangeUnderflow") is True
    document.refresh_from_db()
    assert document.status == Document.Status.SUBMITTED

    adopted_on.fill("2018-09-27")
    clerk.get_by_role("button", name="Record adoption").click()
    expect(clerk.locator(".messages")).to_contain_text("adopted")
    document.refresh_from_db()
    assert (document.status, document.adopted_on) == (Document.Status.ADOPTED, date(2018, 9, 27))
