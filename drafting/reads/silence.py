"""Silence procedures (issue 15): the derived outcome and the procedure's page.

The outcome is *derived*, never an event: ``silence_outcome()`` reads the recorded
breaks and the deadline, so every page shows the right answer at the deadline
whether or not anyone has concluded the procedure yet (a break recorded at or after
the deadline does not count).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch

from drafting.models import Delegation, SilenceBreak, SilenceProcedure

RUNNING, BROKEN, AGREED = "running", "broken", "agreed"
OUTCOME_WORDS = {
    RUNNING: "Running: silence has not been broken",
    BROKEN: "Broken",
    AGREED: "Agreed under silence procedure",
}


def counted_breaks(procedure: SilenceProcedure, breaks: Iterable[SilenceBreak]) -> list:
    """The breaks that count: those recorded strictly before the deadline."""
    return [b for b in breaks if b.at < procedure.deadline]


def silence_outcome(procedure: SilenceProcedure, breaks: Iterable[SilenceBreak], now) -> str:
    """RUNNING, BROKEN or AGREED from the recorded ``breaks`` and the deadline, at ``now``.

    Broken as soon as one break counts; agreed once the deadline has come with none;
    running until then. Pure: no query, no clock.
    """
    if counted_breaks(procedure, breaks):
        return BROKEN
    if now < procedure.deadline:
        return RUNNING
    return AGREED


def time_left(deadline: datetime, now: datetime) -> str:
    """ "2 days, 3 hours left", "45 minutes left", or "" once the deadline has come."""
    left = deadline - now
    if left <= timedelta(0):
        return ""
    days, seconds = left.days, left.seconds
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and (minutes or not hours):
        parts.append(f"{max(minutes, 1)} minute{'s' if minutes != 1 else ''}")
    return ", ".join(parts) + " left"


@dataclass
class Moment:
    """One instant as a reader sees it in one time zone."""

    zone: str
    when: datetime

    @property
    def text(self) -> str:
        """ "Friday 14 March 2031, 17:00", in this zone (templates would convert it)."""
        return f"{self.when:%A} {self.when.day} {self.when:%B %Y, %H:%M}"


def deadline_moments(procedure: SilenceProcedure) -> list[Moment]:
    """The deadline in the zone it was given in, the forum's own zone, and UTC (distinct)."""
    moments, seen = [], set()
    for zone in (procedure.deadline_zone, settings.TIME_ZONE, "UTC"):
        if zone in seen:
            continue
        seen.add(zone)
        tz = UTC if zone == "UTC" else ZoneInfo(zone)
        moments.append(Moment(zone, procedure.deadline.astimezone(tz)))
    return moments


@dataclass
class SilencePage:
    procedure: SilenceProcedure
    invited: list[Delegation]
    breaks: list[SilenceBreak]  # every recorded break, oldest first
    counted: list[SilenceBreak]  # those before the deadline
    late: list[SilenceBreak]  # recorded at or after it: shown, not counted
    outcome: str
    outcome_words: str
    moments: list[Moment]
    time_left: str
    silent: list[Delegation]  # invited delegations that have not broken silence


def silence_page(procedure_id: int, *, now: datetime) -> SilencePage | None:
    """Everything the procedure's page shows, in three queries whatever the number of
    delegations and breaks; None if there is no such procedure."""
    procedure = (
        SilenceProcedure.objects.select_related(
            "document", "version", "opened_by__profile__delegation", "closed_by__profile"
        )
        .prefetch_related(
            Prefetch("invited", queryset=Delegation.objects.order_by("name")),
            Prefetch(
                "breaks",
                queryset=SilenceBreak.objects.select_related(
                    "delegation", "expert__profile"
                ).order_by("at", "id"),
            ),
        )
        .filter(pk=procedure_id)
        .first()
    )
    if procedure is None:
        return None
    breaks = list(procedure.breaks.all())
    invited = list(procedure.invited.all())
    counted = counted_breaks(procedure, breaks)
    outcome = silence_outcome(procedure, breaks, now)
    broke = {b.delegation_id for b in counted}
    return SilencePage(
        procedure=procedure,
        invited=invited,
        breaks=breaks,
        counted=counted,
        late=[b for b in breaks if b not in counted],
        outcome=outcome,
        outcome_words=OUTCOME_WORDS[outcome],
        moments=deadline_moments(procedure),
        time_left=time_left(procedure.deadline, now),
        silent=[d for d in invited if d.pk not in broke],
    )


def open_procedure(document) -> SilenceProcedure | None:
    """The document's open procedure, if any (for the document page's link). One query."""
    return (
        SilenceProcedure.objects.filter(document=document, closed=SilenceProcedure.Closed.OPEN)
        .select_related("version")
        .first()
    )


def procedures_of_version(version) -> list[SilenceProcedure]:
    """The silence procedures a version was put under, oldest first (its page says whether
    it was agreed under silence procedure). One query."""
    return list(SilenceProcedure.objects.filter(version=version).order_by("opened_at", "id"))
