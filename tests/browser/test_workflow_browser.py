"""From proposal to a final text, with a mouse: amendment, acceptance, approval, "final"."""

import re

import pytest
from playwright.sync_api import expect

from drafting.models import Amendment, Document, Practice, Section
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_amendment_accepted_sections_approved_document_final(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=2)
    first, second = document.sections.order_by("position")
    practice = first.practices.order_by("position").first()

    # The expert proposes a change to the first practice.
    as_expert = page_for(expert)
    as_expert.goto(live_server.url + first.get_absolute_url())
    as_expert.locator(f"#amendments-{practice.pk}").get_by_role(
        "link", name="Propose a change"
    ).click()
    as_expert.get_by_label("Text").fill("Body of 1.1, with families and local authorities.")
    as_expert.get_by_label("Rationale").fill("Families are the first to notice.")
    as_expert.get_by_role("button", name="Propose amendment").click()
    expect(as_expert.locator(".messages")).to_contain_text("proposed")
    card = as_expert.locator(f"#amendments-{practice.pk} .amendment")
    expect(card).to_contain_text(expert.profile.delegation.name)
    expect(card.locator("ins").first).to_contain_text("families")

    # The secretariat opens the document for review from the dashboard.
    clerk = page_for(secretariat)
    clerk.goto(f"{live_server.url}/documents/{document.slug}/dashboard/")
    clerk.get_by_role("button", name="Open for review").click()
    expect(clerk.locator(".next-step")).to_contain_text("Mark final")
    expect(clerk.locator(".next-step")).to_contain_text(
        "2 sections are not approved: Section 1, Section 2."
    )
    expect(clerk.locator(".next-step")).to_contain_text("1 amendment is still open")

    # ... accepts the amendment on the section page ...
    clerk.goto(live_server.url + first.get_absolute_url())
    clerk.locator(f"#amendments-{practice.pk}").get_by_role("link", name="Accept…").click()
    clerk.get_by_label("Decision note").fill("Agreed at the workshop.")
    clerk.get_by_role("button", name="Accept and apply").click()
    expect(clerk.locator(".messages")).to_contain_text("accepted and applied")
    expect(clerk.locator(f"#practice-{practice.pk}")).to_contain_text("families and local")
    expect(clerk.locator(f"#amendments-{practice.pk} .amendment")).to_have_count(0)

    # ... sends each section for review and approves it ...
    for section in (first, second):
        clerk.goto(live_server.url + section.get_absolute_url())
        # Sending for review asks first: experts lose direct editing.
        clerk.get_by_role("link", name="Send for review…").click()
        expect(clerk.locator(".notice")).to_contain_text("can no longer be edited directly")
        clerk.get_by_role("button", name="Send for review").click()
        expect(clerk.locator("h1 .badge")).to_have_text("In review")
        # Approving asks first: no practice is agreed yet, so it takes a recorded reason.
        clerk.get_by_role("link", name="Approve…").click()
        expect(clerk.locator(".still-open")).to_contain_text("2 practices not agreed")
        clerk.get_by_label("Why approve before every practice is agreed").fill(
            "Agreed in substance at the workshop; agreement per practice recorded later."
        )
        clerk.get_by_role("button", name="Approve anyway").click()
        expect(clerk.locator("h1 .badge")).to_have_text("Approved")
        expect(clerk.locator(".section-header")).to_contain_text(
            f"Approved by {secretariat.get_full_name()}"
        )

    # ... and marks the document final.
    clerk.goto(f"{live_server.url}/documents/{document.slug}/dashboard/")
    expect(clerk.locator(".next-step")).to_contain_text("Nothing blocks it.")
    clerk.get_by_role("link", name="Mark final…").click()
    expect(clerk.locator(".still-open")).to_contain_text("Nothing is open")
    clerk.get_by_role("button", name="Mark final").click()
    expect(clerk.locator(".messages")).to_contain_text("marked final")
    expect(clerk.locator(".doc-header .badge").first).to_have_text("Final")
    expect(clerk.locator(".next-step")).to_contain_text(re.compile("Submit for adoption"))

    document.refresh_from_db()
    assert document.status == Document.Status.FINAL
    assert set(Section.objects.filter(document=document).values_list("status", flat=True)) == {
        Section.Status.APPROVED
    }
    amendment = Amendment.objects.get()
    assert (amendment.status, amendment.decided_by) == (Amendment.Status.ACCEPTED, secretariat)
    row = Practice.history.filter(id=practice.pk).order_by("-history_date").first()
    assert row.history_user == expert
    assert row.history_change_reason.startswith(f"Amendment #{amendment.pk} by ")
