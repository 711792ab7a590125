"""What stands open before a big step: practices not agreed, unresolved comments, open amendments.

The confirmation pages for approving a section and for marking a document final
list these (issue 14: a section is approved only when all its practices are
agreed, or the secretariat records why not; issue 17: approvals and "Mark final"
list unresolved comments and open amendments first). The dashboard counts
practices by agreement status per section. Fixed numbers of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from drafting.models import Agreement, Amendment, Comment, Document, Position, Practice, Section
from drafting.reads.amendments import concerned_section, concerning_section
from drafting.reads.documents import practice_numbers
from drafting.reads.positions import (
    NEGOTIATION_CONDITIONS,
    PracticeStanding,
    Standing,
    document_standings,
    standing_of,
)
from drafting.text import plain

# The order the dashboard counts statuses in: the road to agreement, left to right.
STANDING_ORDER: tuple[str, ...] = (
    Standing.PROPOSED,
    Standing.UNDER_NEGOTIATION,
    Standing.AD_REFERENDUM,
    Standing.AGREED,
)


@dataclass(frozen=True)
class NotAgreed:
    """A practice of a section that is not (yet) agreed, with its number and where it stands."""

    practice: Practice
    number: int | None
    standing: PracticeStanding

    @property
    def label(self) -> str:
        return f"Good Practice {self.number}" if self.number else f"Practice “{self.practice}”"

    @property
    def url(self) -> str:
        page = reverse("drafting:section-detail", args=[self.practice.section_id])
        return f"{page}#practice-{self.practice.pk}"


@dataclass(frozen=True)
class OpenComment:
    comment: Comment
    where: str  # "Good Practice 3" or the section's title

    @property
    def excerpt(self) -> str:
        """The comment as plain words (text.plain: no markup survives), for a list line."""
        return plain(self.comment.body)

    @property
    def url(self) -> str:
        page = reverse("drafting:section-detail", args=[self.comment.section_id])
        return f"{page}#comment-{self.comment.pk}"


@dataclass(frozen=True)
class OpenAmendment:
    amendment: Amendment
    section: Section  # the section it concerns

    @property
    def url(self) -> str:
        return reverse("drafting:amendment-detail", args=[self.amendment.pk])


@dataclass
class StillOpen:
    """What a confirmation page lists before a section is approved or a document marked final."""

    not_agreed: list[NotAgreed] = field(default_factory=list)
    comments: list[OpenComment] = field(default_factory=list)
    amendments: list[OpenAmendment] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.not_agreed or self.comments or self.amendments)


def not_agreed_practices(
    section: Section, practices: list[Practice], numbers: dict[int, int] | None = None
) -> list[NotAgreed]:
    """The practices of ``section`` (given, in order) whose agreement status is not "agreed".

    Agreed ad referendum is not agreed yet: capitals have still to confirm it.
    Three queries (two with ``numbers`` given), whatever the number of practices.
    Used by the approval page and by drafting.actions.sections.approve_section,
    which refuses to approve without a recorded reason while this list is not empty.
    """
    if not practices:
        return []
    standings = document_standings(section.document, practices)
    if numbers is None:
        numbers = practice_numbers(section.document)
    return [
        NotAgreed(p, numbers.get(p.pk), standings[p.pk])
        for p in practices
        if standings[p.pk].status != Standing.AGREED
    ]


def _unresolved_comments(where: Q, numbers: dict[int, int]) -> list[OpenComment]:
    rows = (
        Comment.objects.filter(where, parent__isnull=True, resolved=False)
        .select_related("author__profile__delegation", "section", "practice")
        .order_by("created_at", "id")
    )
    found = []
    for comment in rows:
        number = numbers.get(comment.practice_id) if comment.practice_id else None
        found.append(
            OpenComment(comment, f"Good Practice {number}" if number else comment.section.title)
        )
    return found


def _open_amendments(where: Q) -> list[OpenAmendment]:
    rows = (
        Amendment.objects.filter(where, status=Amendment.Status.OPEN)
        .select_related("section", "practice__section", "delegation")
        .order_by("created_at", "id")
    )
    return [OpenAmendment(a, concerned_section(a)) for a in rows]


def before_approving(section: Section) -> StillOpen:
    """What the "Approve" page lists for ``section``: six queries whatever its size.

    Practices not agreed (with their status), unresolved comment threads on the
    section or its practices, and open amendments concerning it (which block the
    approval: drafting.workflow).
    """
    practices = list(Practice.objects.filter(section=section).order_by("position", "id"))
    numbers = practice_numbers(section.document)
    return StillOpen(
        not_agreed=not_agreed_practices(section, practices, numbers),
        comments=_unresolved_comments(
            Q(section=section, practice__isnull=True) | Q(practice__section=section), numbers
        ),
        amendments=_open_amendments(concerning_section(section)),
    )


def before_marking_final(document: Document) -> StillOpen:
    """What the "Mark final" page lists, document-wide: three queries whatever its size.

    Unresolved comment threads and open amendments (the latter block the step).
    """
    numbers = practice_numbers(document)
    return StillOpen(
        comments=_unresolved_comments(Q(section__document=document), numbers),
        amendments=_open_amendments(Q(section__document=document)),
    )


def agreement_in_force(practice: Practice) -> PracticeStanding | None:
    """Where ``practice`` stands if it is agreed or agreed ad referendum now, else None.

    One query for a practice without an agreement on its current revision, two
    otherwise (whatever keeps it under negotiation: NEGOTIATION_CONDITIONS). Used
    to warn before an edit and to record, with the edit, that the agreement lapsed
    (an agreement holds for one revision of the text).
    """
    agreement = Agreement.objects.filter(practice_id=practice.pk).select_related("meeting").first()
    if (
        agreement is None
        or agreement.status == Agreement.Status.NONE
        or agreement.text_revision != practice.revision
    ):
        return None
    objecting = list(
        Position.objects.filter(
            practice_id=practice.pk, stance=Position.Stance.OBJECTION
        ).select_related("delegation")
    )
    reasons = [
        reason
        for condition in NEGOTIATION_CONDITIONS
        for reason in condition(objecting, [practice]).get(practice.pk, [])
    ]
    standing = standing_of(practice, agreement, reasons)
    if standing.status in (Standing.AGREED, Standing.AD_REFERENDUM):
        return standing
    return None


def _as_agreed(standing: PracticeStanding) -> str:
    """ "agreed ad referendum (Rabat review meeting)": the status and where it was reached."""
    words = standing.label[0].lower() + standing.label[1:]
    meeting = standing.agreement.meeting if standing.agreement else None
    return f"{words} ({meeting.title})" if meeting else words


def edit_warning(practice: Practice, label: str) -> str:
    """What an edit form says before saving a change to an agreed practice ("" if not agreed).

    ``label`` is the practice's current name ("Good Practice 5"). Two queries.
    """
    standing = agreement_in_force(practice)
    if standing is None:
        return ""
    return f"{label} is {_as_agreed(standing)}. Saving a change reopens it for negotiation."


def lapse_note(standing: PracticeStanding) -> str:
    """The words an edit's history adds when it ends an agreement."""
    revision = standing.agreement.text_revision if standing.agreement else "?"
    return (
        f"This change reopens the practice for negotiation: it was {_as_agreed(standing)} "
        f"at revision {revision}."
    )


def standing_counts(
    document: Document, practices: list[Practice]
) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
    """Section id -> {agreement status -> practices}, and the document's totals.

    ``practices`` need ``section_id`` and ``revision``. Two queries (document_standings).
    """
    standings = document_standings(document, practices)
    by_section: dict[int, dict[str, int]] = {}
    totals = dict.fromkeys(STANDING_ORDER, 0)
    for practice in practices:
        status = standings[practice.pk].status
        counts = by_section.setdefault(practice.section_id, dict.fromkeys(STANDING_ORDER, 0))
        counts[status] += 1
        totals[status] += 1
    return by_section, totals
