"""Points in a document's history that can be exported: now, a named version, a meeting's
opening, or any date.

The web views build points from objects they fetched (``of_version``,
``of_meeting``); the management command and forms parse what a person typed
(``resolve``, ``parse_datetime``). Either way a bad value is a ``PointError``
whose message can be shown to the secretariat as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.dateparse import parse_datetime as _parse_datetime
from django.utils.text import slugify

from drafting.history.order import instant_before
from drafting.models import Document, ReviewMeeting, Version


def day_start(day: date, tz: tzinfo | None = None) -> datetime:
    """The first instant of local day ``day`` in ``tz`` (the site's zone by default), in UTC.

    Local days are not 24 hours long and do not always start at 00:00: where
    clocks jump forward at midnight (America/Santiago, America/Havana) the day
    starts at 01:00, and where they fall back at midnight (Asia/Beirut) the
    previous day has a repeated hour. zoneinfo reads a midnight that does not
    exist with the offset in force before the jump (fold=0), which names the
    instant of the jump, and a repeated midnight as its first occurrence: either
    way the first instant whose local date is ``day``.

    The result is in UTC on purpose: Python adds and subtracts time on a local
    datetime by the wall clock (``local_midnight - 1 µs`` lands in the wrong
    occurrence of a repeated hour), and never finds a time in a gap or a repeated
    hour equal to one in another zone. Templates show it in local time anyway.
    """
    tz = tz or timezone.get_current_timezone()
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def day_after(day: date, tz: tzinfo | None = None) -> datetime:
    """The first instant after local day ``day``: the end of a half-open window [start, end)."""
    return day_start(day + timedelta(days=1), tz)


def meeting_window(meeting) -> tuple[datetime, datetime]:
    """When a meeting opened and closed, as a half-open interval [opened, closed) (site zone).

    It opens at the first instant of its first local day and closes at the first
    instant of the day after its last: a change at 23:59:59.999 of the last day,
    or in an hour that the end of summer time repeats, is during the meeting,
    exactly when running_meetings() says the meeting is running.
    """
    return day_start(meeting.starts_on), day_after(meeting.ends_on)


class PointError(ValueError):
    """A point that cannot be exported; the message says why in plain words."""


@dataclass(frozen=True)
class Point:
    kind: Literal["now", "version", "meeting", "date"]
    label: str
    slug: str
    when: datetime | None = None  # None: the moment of the export

    def moment(self) -> datetime:
        return self.when or timezone.now()


NOW = Point("now", "Current text", "current")


def of_version(version: Version) -> Point:
    return Point(
        "version",
        f"Version “{version.name}” ({_date(version.taken_at)})",
        f"version-{slugify(version.name)[:40] or version.pk}",
        version.taken_at,
    )


def of_meeting(meeting: ReviewMeeting) -> Point:
    """The text as the meeting found it: every change made before its first day began."""
    opened, _ = meeting_window(meeting)
    day = meeting.starts_on
    return Point(
        "meeting",
        f"Text at the opening of the {meeting.title} ({day.day} {day:%B %Y})",
        f"meeting-{meeting.pk}",
        instant_before(opened),
    )


def at(when: datetime) -> Point:
    local = timezone.localtime(when)
    return Point(
        "date", f"Text as of {local.day} {local:%B %Y, %H:%M}", f"{local:%Y-%m-%dT%H%M}", when
    )


# A moment typed a few minutes ahead (to be sure to include the latest change) is
# accepted; beyond that a typed moment in the future is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)


def typed_moment(value: str) -> Point:
    """The point a person typed (``?at=``): ``at(parse_datetime(value))``, refusing the future.

    A future moment would be today's text under a label promising another, so one
    more than FUTURE_TOLERANCE ahead of this host's clock raises PointError, as
    does anything parse_datetime refuses. Only for moments people type: history
    itself is ordered by history_id, never by a host's clock.
    """
    when = parse_datetime(value)
    point = at(when)
    if when > timezone.now() + FUTURE_TOLERANCE:
        raise PointError(
            f"{point.label} is in the future. Export the text as it stands now, or as it "
            "stood at an earlier moment."
        )
    return point


def parse_datetime(value: str) -> datetime:
    """The one parser for a moment a person types: an ISO date or date-time, as an aware datetime.

    A date means the first instant of that local day (day_start), a date-time
    without an offset is read in the site's zone. Raises PointError, whose message
    says what to type, for anything else (used by the export form and command and
    by "what changed since").
    """
    value = (value or "").strip()
    try:
        # A bare date first: parse_datetime() would read it as a local midnight,
        # which some days do not have.
        day = parse_date(value)
        parsed = _parse_datetime(value) if day is None else None
    except ValueError:  # well-formed but impossible, e.g. 2018-02-30
        day = parsed = None
    if day is not None:
        return day_start(day)
    if parsed is None:
        raise PointError(
            f"“{value}” is not a date: use the ISO form, e.g. 2018-06-25 or 2018-06-25T09:00."
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed.astimezone(UTC)


def find_version(document: Document, name: str) -> Version:
    """The document's version called ``name`` (exact, then case-insensitive, then by number)."""
    versions = list(document.versions.all())
    for match in (
        lambda v: v.name == name,
        lambda v: v.name.casefold() == name.casefold(),
        lambda v: str(v.pk) == name,
    ):
        found = [v for v in versions if match(v)]
        if len(found) == 1:
            return found[0]
    known = "; ".join(f"“{v.name}”" for v in versions) or "none yet"
    raise PointError(f"{document} has no version called “{name}”. Its versions: {known}.")


def find_meeting(document: Document, key: str) -> ReviewMeeting:
    """The document's meeting with id or title ``key``."""
    meetings = list(document.meetings.all())
    found = [m for m in meetings if str(m.pk) == key or m.title.casefold() == key.casefold()]
    if len(found) == 1:
        return found[0]
    known = "; ".join(f"{m.pk} “{m.title}”" for m in meetings) or "none yet"
    raise PointError(f"{document} has no meeting “{key}”. Its meetings: {known}.")


def resolve(document: Document, spec: str) -> Point:
    """A point typed by a person: ``now``, an ISO date, ``version:NAME``, ``meeting:ID|TITLE``,
    or a bare version name."""
    spec = (spec or "").strip()
    if not spec or spec.casefold() == "now":
        return NOW
    prefix, _, rest = spec.partition(":")
    if prefix.casefold() == "version" and rest:
        return of_version(find_version(document, rest.strip()))
    if prefix.casefold() == "meeting" and rest:
        return of_meeting(find_meeting(document, rest.strip()))
    if spec[:1].isascii() and spec[:1].isdigit():
        try:
            return at(parse_datetime(spec))
        except PointError:
            pass
    try:
        return of_version(find_version(document, spec))
    except PointError:
        raise PointError(
            f"“{spec}” is neither “now”, a date (2018-06-25), “version:NAME” nor "
            f"“meeting:ID”, and {document} has no version of that name."
        ) from None


def check_order(start: Point, end: Point) -> tuple[datetime, datetime]:
    """The moments of a redline's two ends; refuses a start after the end."""
    now = timezone.now()
    start_at, end_at = start.when or now, end.when or now
    if start_at > end_at:
        raise PointError(
            f"The redline would start after it ends: {start.label} is later than {end.label}. "
            "Choose an earlier starting point."
        )
    return start_at, end_at


def _date(when: datetime) -> str:
    local = timezone.localtime(when)
    return f"{local.day} {local:%B %Y}"
