"""Square brackets with a mouse: an expert brackets a passage from the section page, another
delegation's expert supports the other wording, the secretariat resolves the bracket at a
meeting; the text and the history say so."""

from datetime import date

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.history import stamp
from drafting.models import ExpertProfile, Practice, ReviewMeeting
from tests.conftest import make_delegation, make_document, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Role = ExpertProfile.Role


def test_bracket_proposed_supported_and_resolved_at_a_meeting(page_for, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    us = make_delegation(code="US", name="United States")
    fr = make_delegation(code="FR", name="France")
    ma = make_delegation(code="MA", name="Morocco")
    us_expert = make_user(Role.EXPERT, delegation=us)
    ma_expert = make_user(Role.EXPERT, delegation=ma)
    clerk = make_user(Role.SECRETARIAT)
    document = make_document(by=clerk, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    practice = actions.update_practice(
        practice,
        by=clerk,
        heading="States should establish a referral unit.",
        body=practice.body,
        base_revision=practice.revision,
    )
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Rabat review meeting",
        starts_on=date(2018, 6, 25),
        ends_on=date(2018, 6, 26),
    )
    stamp(meeting, by=clerk, reason="Test meeting.")
    meeting.save()

    # The US expert brackets "should" against France's "may", from the section page.
    page = page_for(us_expert, viewport={"width": 390, "height": 844})
    page.goto(live_server.url + practice.section.get_absolute_url())
    page.get_by_role("link", name="Bracket a passage…").click()
    page.get_by_label("Where is the passage?").select_option("heading")
    page.get_by_label("Passage to bracket").fill("should")
    page.get_by_label("Delegations keeping this wording").select_option([str(us.pk)])
    page.get_by_label("Alternative 1", exact=True).fill("may")
    page.get_by_label("Delegations proposing alternative 1").select_option([str(fr.pk)])
    page.get_by_role("button", name="Put in brackets").click()
    heading = page.locator(f"#practice-{practice.pk} .practice-heading")
    expect(heading).to_have_text("States [should (US)] [may (FR)] establish a referral unit.")
    expect(heading.locator(".bracket").first).to_have_attribute(
        "title", "In square brackets: proposed by US"
    )

    # Morocco's expert supports France's wording.
    other = page_for(ma_expert)
    other.goto(live_server.url + practice.section.get_absolute_url())
    other.get_by_role("link", name="1 open bracket: who proposes what, support or resolve").click()
    other.get_by_role("listitem").filter(has_text="[may]").get_by_role(
        "button", name="Support this alternative for MA"
    ).click()
    expect(other.locator(f"#practice-{practice.pk} .practice-heading")).to_contain_text(
        "[may (FR, MA)]"
    )

    # The secretariat resolves it at the Rabat meeting, keeping "may".
    desk = page_for(clerk)
    desk.goto(f"{live_server.url}/practices/{practice.pk}/brackets/")
    bracket = desk.locator("#bracket-heading-1")
    bracket.get_by_text("Resolve this bracket…").click()
    bracket.get_by_label("Keep “may” (FR, MA); the other wording is dropped").check()
    bracket.get_by_label("Decided at meeting").select_option(str(meeting.pk))
    bracket.get_by_role("button", name="Record the resolution").click()
    expect(desk.locator(f"#practice-{practice.pk} .practice-heading")).to_have_text(
        "States may establish a referral unit."
    )

    practice.refresh_from_db()
    assert practice.heading == "States may establish a referral unit."
    last = practice.history.order_by("-history_id").first()
    assert last.history_user == clerk
    assert last.history_meeting_id == meeting.pk
    assert last.history_change_reason == (
        "Bracket resolved: kept [may (FR, MA)]; dropped [should (US)]."
    )
    desk.goto(f"{live_server.url}/practices/{practice.pk}/history/")
    expect(desk.locator("main")).to_contain_text("Bracket resolved: kept [may (FR, MA)]")
