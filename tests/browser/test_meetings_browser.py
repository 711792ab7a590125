"""The secretariat plans a meeting and reads the draft as the meeting saw it, in a real browser."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from drafting.history import stamp
from drafting.models import Practice, ReviewMeeting, Version
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_meeting_page_shows_snapshot_changes_and_circulates(page_for, live_server, secretariat):
    long_ago = timezone.now() - timedelta(days=20)
    document = make_document(by=secretariat, sections=2, practices=2, when=long_ago)
    day = timezone.localdate() - timedelta(days=5)
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        status=ReviewMeeting.Status.HELD,
        title="Review meeting in Rabat",
        city="Rabat",
        starts_on=day,
        ends_on=day,
    )
    stamp(meeting, by=secretariat)
    meeting.save()
    practice = Practice.objects.get(heading="Practice 1.2")
    practice.body = "Body agreed after the meeting."
    practice.revision += 1
    stamp(practice, by=secretariat, reason="Follow-up.")
    practice.save()

    page = page_for(secretariat)
    page.goto(f"{live_server.url}{document.get_absolute_url()}")
    page.get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", name="Meetings")).to_be_visible()
    page.get_by_role("link", name="Review meeting in Rabat").click()

    snapshot = page.locator("section.snapshot")
    expect(snapshot).to_contain_text("Good Practice 2")
    expect(snapshot).to_contain_text("Body of 1.2.")  # the text as the meeting saw it
    since = page.locator("section.changes-block").nth(1)
    expect(since.locator("ins")).to_contain_text("agreed after the meeting")

    page.get_by_role("button", name="Circulate for this meeting").click()
    expect(page.locator(".message")).to_contain_text("Draft for the Review meeting in Rabat")
    assert Version.objects.filter(meeting=meeting).count() == 1


def test_secretariat_creates_a_meeting_and_sees_a_clear_error_first(
    page_for, live_server, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    page = page_for(secretariat)
    page.goto(f"{live_server.url}/documents/{document.slug}/meetings/new/")
    page.select_option("#id_kind", "workshop")
    page.fill("#id_title", "Expert workshop on prevention")
    page.fill("#id_city", "Valletta")
    start = timezone.localdate() + timedelta(days=20)
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_ends_on", (start - timedelta(days=1)).isoformat())
    page.get_by_label("Section 1").check()
    page.get_by_role("button", name="Save meeting").click()
    expect(page.locator(".field-error")).to_contain_text("The meeting cannot end before it starts.")
    page.fill("#id_ends_on", (start + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_role("heading", name="Expert workshop on prevention")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Section 1")
