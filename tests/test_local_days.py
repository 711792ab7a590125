"""Local days are computed with zoneinfo: meeting windows and "since a date" on DST days.

A local day is the half-open interval [its first instant, the first instant of
the next day). Tested in zones whose clocks change at midnight: Asia/Beirut
(summer time ends at midnight 25/26 October 2025, so 23:00-23:59 on the 25th
happens twice), America/Santiago and America/Havana (clocks jump from 00:00 to
01:00, so the day starts at 01:00; Havana also repeats midnight in November).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from drafting import actions, reads
from drafting.export import export
from drafting.history import day_after, day_start, meeting_window, parse_datetime, points, stamp
from drafting.models import Comment, Practice, ReviewMeeting
from tests.conftest import clock, login, make_document


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "start", "end"),
    [
        # Summer time ends at midnight: the 25th lasts 25 hours.
        ("Asia/Beirut", date(2025, 10, 25), utc(2025, 10, 24, 21), utc(2025, 10, 25, 22)),
        ("America/Santiago", date(2025, 4, 5), utc(2025, 4, 5, 3), utc(2025, 4, 6, 4)),
        # Clocks jump from 00:00 to 01:00: the day starts at 01:00 and lasts 23 hours.
        ("America/Santiago", date(2025, 9, 7), utc(2025, 9, 7, 4), utc(2025, 9, 8, 3)),
        ("America/Havana", date(2025, 3, 9), utc(2025, 3, 9, 5), utc(2025, 3, 10, 4)),
        # Midnight happens twice (01:00 -> 00:00): the day starts at the first one.
        ("America/Havana", date(2025, 11, 2), utc(2025, 11, 2, 4), utc(2025, 11, 3, 5)),
    ],
)
def test_local_day_bounds_follow_the_zone(zone, day, start, end):
    tz = ZoneInfo(zone)
    assert day_start(day, tz) == start and day_after(day, tz) == end
    # The bounds are exactly where the local date changes.
    step = timedelta(microseconds=1)
    assert ((start - step).astimezone(tz).date(), start.astimezone(tz).date()) == (
        day - timedelta(days=1),
        day,
    )
    assert ((end - step).astimezone(tz).date(), end.astimezone(tz).date()) == (
        day,
        day + timedelta(days=1),
    )
    with override_settings(TIME_ZONE=zone):
        assert parse_datetime(day.isoformat()) == start


def _edit(practice: Practice, *, by, body: str, at: datetime) -> None:
    with clock(at):
        practice.refresh_from_db()
        actions.update_practice(
            practice, by=by, heading=practice.heading, body=body, base_revision=practice.revision
        )


def _meeting(document, by, starts_on: date, ends_on: date) -> ReviewMeeting:
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        status=ReviewMeeting.Status.PLANNED,
        title="Review meeting",
        city="Beirut",
        starts_on=starts_on,
        ends_on=ends_on,
    )
    stamp(meeting, by=by, reason="Planned.")
    meeting.save()
    return meeting


@override_settings(TIME_ZONE="Asia/Beirut")
def test_an_edit_in_the_repeated_hour_of_the_last_day_is_during_the_meeting(
    client, secretariat, expert
):
    with clock(utc(2025, 10, 20, 9)):
        document = make_document(by=secretariat, sections=1, practices=2)
        meeting = _meeting(document, secretariat, date(2025, 10, 24), date(2025, 10, 25))
    first, second = Practice.objects.filter(section__document=document).order_by("position")
    # 23:30 on the 25th, the second time round (EET, UTC+2): still the 25th, locally.
    repeated = datetime(2025, 10, 25, 23, 30, fold=1, tzinfo=ZoneInfo("Asia/Beirut"))
    assert repeated.astimezone(UTC) == utc(2025, 10, 25, 21, 30)
    _edit(first, by=expert, body="In the repeated hour.", at=repeated)
    with clock(repeated):
        # created_at named: the field's default (timezone.now) was bound before clock() patches it.
        comment = Comment(
            section=first.section, practice=first, author=expert, body="Late.", created_at=repeated
        )
        stamp(comment, by=expert)
        comment.save()
        # The app treats the meeting as running then...
        assert timezone.localdate() == date(2025, 10, 25)
        assert reads.running_meetings(document) == [meeting]
    # ...and just after midnight (00:30 on the 26th) it does not.
    after = datetime(2025, 10, 26, 0, 30, tzinfo=ZoneInfo("Asia/Beirut"))
    _edit(second, by=expert, body="The next day.", at=after)
    with clock(after):
        assert reads.running_meetings(document) == []

    with clock(utc(2025, 10, 28, 9)):
        opened, closed = meeting_window(meeting)
        assert (opened, closed) == (utc(2025, 10, 23, 21), utc(2025, 10, 25, 22))
        page = reads.meeting_page(meeting)
        login(client, expert)
        html = client.get(reverse("drafting:meeting-detail", args=[meeting.pk])).content.decode()
    # ...so the meeting page lists the edit under "during", not "since".
    assert [c.after.body for c in page.during.changes] == ["In the repeated hour."]
    assert [c.after.body for c in page.since.changes] == ["The next day."]
    assert page.comments == [comment]
    during = html.index("What changed during the meeting")
    since = html.index("What changed since the meeting")
    assert during < html.index("In the repeated hour") < since < html.index("The next day")


@pytest.mark.parametrize("zone", ["America/Santiago", "America/Havana"])
def test_a_meeting_on_a_day_that_starts_at_one_opens_at_the_jump(zone, secretariat, expert):
    tz = ZoneInfo(zone)
    day = date(2025, 9, 7) if zone == "America/Santiago" else date(2025, 3, 9)
    with override_settings(TIME_ZONE=zone):
        with clock(datetime(2025, 3, 1, 9, tzinfo=tz)):
            document = make_document(by=secretariat, sections=1, practices=2)
            meeting = _meeting(document, secretariat, day, day)
        opened, closed = meeting_window(meeting)
        assert opened.astimezone(tz).hour == 1 and opened.astimezone(tz).date() == day
        first, second = Practice.objects.filter(section__document=document).order_by("position")
        # The last instant of the day before, and the first instant of the meeting's day.
        _edit(first, by=expert, body="Before the opening.", at=opened - timedelta(microseconds=1))
        _edit(second, by=expert, body="At the opening.", at=opened)
        with clock(closed + timedelta(days=1)):
            page = reads.meeting_page(meeting)
            text = export(document, "md", points.of_meeting(meeting)).content.decode()
    assert {p.body for p in page.snapshot.practices} == {"Before the opening.", "Body of 1.2."}
    assert [c.after.body for c in page.during.changes] == ["At the opening."]
    assert "Before the opening." in text and "At the opening." not in text


@override_settings(TIME_ZONE="America/Santiago")
def test_what_changed_since_a_date_starts_at_that_local_day(client, secretariat, expert):
    tz = ZoneInfo("America/Santiago")
    with clock(datetime(2025, 9, 1, 9, tzinfo=tz)):
        document = make_document(by=secretariat, sections=1, practices=2)
    first, second = Practice.objects.filter(section__document=document).order_by("position")
    start = day_start(date(2025, 9, 7))
    _edit(first, by=expert, body="Late on the 6th.", at=start - timedelta(seconds=1))
    _edit(second, by=expert, body="Early on the 7th.", at=start)
    with clock(start + timedelta(days=2)):
        login(client, expert)
        page = client.get(
            reverse("drafting:document-changes", args=[document.slug]), {"since": "2025-09-07"}
        ).content.decode()
    assert "Early on the 7th" in page and "Late on the 6th" not in page
