"""Points in a document's history that can be exported: now, a named version, a meeting's
opening, or any date.

The web views build points from objects they fetched (``of_version``,
``of_meeting``); the management command and forms parse what a person typed
(``resolve``, ``parse_datetime``). Either way a bad value is a ``PointError``
whose message can be shown to the secretariat as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.dateparse import parse_datetime as _parse_datetime
from django.utils.text import slugify

from drafting.models import Document, ReviewMeeting, Version


def meeting_window(meeting) -> tuple[datetime, datetime]:
    """When a meeting opened and closed: start of its first day, end of its last (site zone)."""
    tz = timezone.get_current_timezone()
    opened = datetime.combine(meeting.starts_on, datetime.min.time(), tzinfo=tz)
    closed = datetime.combine(meeting.ends_on, datetime.max.time(), tzinfo=tz)
    return opened, closed


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
    opened, _ = meeting_window(meeting)
    return Point(
        "meeting",
        f"Text at the opening of the {meeting.title} ({_date(opened)})",
        f"meeting-{meeting.pk}",
        opened,
    )


def at(when: datetime) -> Point:
    local = timezone.localtime(when)
    return Point(
        "date", f"Text as of {local.day} {local:%B %Y, %H:%M}", f"{local:%Y-%m-%dT%H%M}", when
    )


def parse_datetime(value: str) -> datetime:
    """An ISO date or date-time; a date means the start of that day, a naive time the site zone."""
    value = (value or "").strip()
    try:
        parsed = _parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is None:
                raise ValueError
            parsed = datetime.combine(day, time.min)
    except ValueError:
        raise PointError(
            f"“{value}” is not a date: use the ISO form, e.g. 2018-06-25 or 2018-06-25T09:00."
        ) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


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
    if spec[:1].isdigit():
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
