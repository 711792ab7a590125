"""Approving a section with a mouse when not everything is settled: the confirmation page
lists the unresolved comment and the practices not agreed, and the approval goes through
only with a written reason, which the section page then shows."""

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.models import Section
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_approval_confirmation_lists_open_points_and_needs_a_reason(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=2)
    section = document.sections.get()
    first, second = section.practices.order_by("position")
    actions.record_agreement(first, by=secretariat, status="agreed")
    comment = actions.add_comment(section, by=expert, body="Does this cover online spaces?")
    actions.open_document_review(document, by=secretariat)
    actions.request_review(section, by=expert)

    clerk = page_for(secretariat)
    clerk.goto(live_server.url + section.get_absolute_url())
    clerk.get_by_role("link", name="Approve…").click()

    still_open = clerk.locator(".still-open")
    expect(still_open).to_contain_text("1 practice not agreed")
    expect(still_open.locator(".not-agreed")).to_contain_text("Good Practice 2 — Proposed")
    expect(still_open.locator(".not-agreed")).not_to_contain_text("Good Practice 1")
    expect(still_open).to_contain_text("1 unresolved comment")
    expect(still_open.get_by_role("link", name=section.title)).to_have_attribute(
        "href", f"{section.get_absolute_url()}#comment-{comment.pk}"
    )

    # Without a reason the browser does not send the form (the server refuses it too:
    # tests/test_agreement.py), and nothing is approved.
    reason = clerk.get_by_label("Why approve before every practice is agreed")
    clerk.get_by_role("button", name="Approve anyway").click()
    assert reason.evaluate("field => field.validity.valueMissing") is True
    expect(clerk.locator("h1")).to_contain_text("Approve")
    assert Section.objects.get(pk=section.pk).status == Section.Status.IN_REVIEW

    reason.fill("Good Practice 2 is agreed in substance; capitals confirm next week.")
    clerk.get_by_role("button", name="Approve anyway").click()
    expect(clerk.locator("h1 .badge")).to_have_text("Approved")
    expect(clerk.locator(".section-header")).to_contain_text(
        "Approved although not every practice is agreed — Good Practice 2 (proposed)"
    )
    section.refresh_from_db()
    assert section.status == Section.Status.APPROVED
    assert section.history.order_by("-history_id").first().history_user == secretariat
