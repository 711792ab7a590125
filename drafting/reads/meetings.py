"""Review meetings: what a meeting page shows (reads).

A meeting is a window in the document's history: it opened at the first instant
of its first local day and closed at the first instant of the day after its last
(history.meeting_window; a half-open interval, computed with zoneinfo). The
meeting page shows the draft as it stood at the opening, what changed during
the meeting and since, the amendments decided there and the changes tagged
with it — all reconstructed from history in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from drafting import history
from drafting.models import (
    AgendaItem,
    Amendment,
    Comment,
    Delegation,
    Document,
    Practice,
    ReviewMeeting,
    Section,
    Version,
)


def running_meetings(document: Document, on: date | None = None) -> list[ReviewMeeting]:
    """Meetings of ``document`` taking place on local day ``on`` (today by default).

    Agrees with history.meeting_window(): a meeting runs on ``on`` exactly when
    ``on`` is one of its local days, i.e. when the moment is in [opened, closed).
    """
    on = on or timezone.localdate()
    return list(
        ReviewMeeting.objects.filter(document=document, starts_on__lte=on, ends_on__gte=on)
        .exclude(status=ReviewMeeting.Status.CANCELLED)
        .order_by("starts_on", "id")
    )


# ---- reads ------------------------------------------------------------------------------------


@dataclass
class Timeline:
    meetings: list[ReviewMeeting]
    next_meeting: ReviewMeeting | None
    target: ReviewMeeting | None
    today: date


def timeline(document: Document) -> Timeline:
    """The document's meetings in order, the next one, and the plenary it targets. Two queries."""
    today = timezone.localdate()
    meetings = list(
        ReviewMeeting.objects.filter(document=document)
        .prefetch_related("participants")
        .order_by("starts_on", "id")
    )
    upcoming = [
        m for m in meetings if m.ends_on >= today and m.status != ReviewMeeting.Status.CANCELLED
    ]
    target = next((m for m in meetings if m.pk == document.target_meeting_id), None)
    return Timeline(meetings, upcoming[0] if upcoming else None, target, today)


@dataclass
class TaggedChange:
    row: object
    kind: str  # "practice", "section", "amendment", ...
    summary: str

    @property
    def author(self) -> history.Author:
        return history.author_of(self.row)


@dataclass
class MeetingPage:
    meeting: ReviewMeeting
    opened: object
    closed: object
    snapshot: history.DocumentSnapshot | None
    during: history.DocumentChanges | None
    since: history.DocumentChanges | None
    decisions: list[Amendment]
    tagged: list[TaggedChange]
    comments: list[Comment]
    versions: list[Version]
    agenda: list[AgendaItem]


def meeting_page(meeting: ReviewMeeting) -> MeetingPage:
    """Everything the meeting page shows, in a fixed number of queries whatever the size.

    The window is half-open: the opening snapshot holds every change made before
    ``opened``, "during" the changes in [opened, closed), "since" those from
    ``closed`` on. While the meeting runs, its end is now (the latest rows).
    """
    document = meeting.document
    opened, closed = history.meeting_window(meeting)
    now = timezone.now()
    # The last moment before each boundary: "as of" a moment includes changes made at it.
    before_opening, before_close = history.instant_before(opened), history.instant_before(closed)
    # Three snapshots (opening, close, now) serve the page and both change sets.
    at_opening = history.snapshot_or_empty(document, before_opening) if opened <= now else None
    during = since = None
    if at_opening is not None:
        running = now < closed
        at_close = (
            history.document_now(document)
            if running
            else history.snapshot_or_empty(document, before_close)
        )
        during = history.compare_snapshots(
            at_opening, at_close, since=before_opening, until=None if running else before_close
        )
        if not running:
            since = history.compare_snapshots(
                at_close, history.document_now(document), since=before_close
            )
    snapshot = at_opening if at_opening is not None and at_opening.sections else None
    decisions = list(
        Amendment.objects.filter(decided_at_meeting=meeting)
        .select_related("delegation", "proposed_by", "decided_by", "practice", "section")
        .order_by("decided_at", "id")
    )
    comments = list(
        Comment.objects.filter(
            section__document=document, created_at__gte=opened, created_at__lt=closed
        )
        .select_related("author__profile__delegation", "section", "practice")
        .order_by("created_at", "id")
    )
    return MeetingPage(
        meeting=meeting,
        opened=opened,
        closed=closed,
        snapshot=snapshot,
        during=during,
        since=since,
        decisions=decisions,
        tagged=_tagged_changes(meeting),
        comments=comments,
        versions=list(meeting.versions.select_related("created_by").order_by("taken_at")),
        agenda=list(meeting.agenda.select_related("section").order_by("position")),
    )


def _tagged_changes(meeting: ReviewMeeting) -> list[TaggedChange]:
    """History rows of practices, sections and the document tagged with this meeting."""
    who = ("history_user__profile__delegation",)

    def tagged(model):
        return history.oldest_first(model.history.filter(history_meeting=meeting)).select_related(
            *who
        )

    # Each table in its own order; the three interleaved by date (history.order).
    streams = [
        [TaggedChange(row, "document", "The document") for row in tagged(Document)],
        [TaggedChange(row, "section", f"Section “{row.title}”") for row in tagged(Section)],
        [TaggedChange(row, "practice", row.heading) for row in tagged(Practice)],
    ]
    return list(history.interleave(*streams, when=lambda c: c.row.history_date))


def meetings_for_delegation(
    delegation: Delegation | None, *, limit: int = 6
) -> list[ReviewMeeting]:
    """Meetings a delegation takes part in, upcoming first then the most recent. One query."""
    if delegation is None:
        return []
    today = timezone.localdate()
    meetings = list(
        ReviewMeeting.objects.filter(participants=delegation)
        .exclude(status=ReviewMeeting.Status.CANCELLED)
        .select_related("document")
        .order_by("starts_on", "id")
    )
    upcoming = [m for m in meetings if m.ends_on >= today]
    past = [m for m in reversed(meetings) if m.ends_on < today]
    return (upcoming + past)[:limit]
