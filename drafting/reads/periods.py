"""Comment periods (issue 15): the period page, the compilation text and the disposition
table, each in a fixed number of queries whatever the number of practices, delegations
and submissions.

All three walk the *circulated* text (the period's version, reconstructed from history
by drafting.history.snapshots in three queries) and hang the period's submissions on it
in document order: section-level comments first, then each practice's amendments and
comments, oldest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from drafting import permissions
from drafting.history.snapshots import (
    PracticeSnapshot,
    SectionSnapshot,
    document_as_of,
    practice_as_of,
)
from drafting.models import (
    Amendment,
    Comment,
    CommentPeriod,
    Delegation,
    Disposition,
    Practice,
    ReviewMeeting,
    Section,
)
from drafting.reads.access import _fetch


def period_for(user, pk: int, *, rule=permissions.why_cannot_view_review) -> CommentPeriod:
    """The period with id ``pk`` (404 if none; 403 with ``rule``'s words), with its version,
    document and invited delegations loaded."""
    queryset = CommentPeriod.objects.select_related(
        "document", "version", "opened_by"
    ).prefetch_related(Prefetch("invited", queryset=Delegation.objects.order_by("name")))
    return _fetch(user, queryset, lambda p: p.document, rule, pk=pk)


def periods_of(document) -> list[CommentPeriod]:
    """The document's periods, newest first, with their counts of submissions (3 queries)."""
    return list(
        CommentPeriod.objects.filter(document=document)
        .select_related("version")
        .prefetch_related(Prefetch("invited", queryset=Delegation.objects.order_by("name")))
        .annotate(
            n_comments=Count("comments", distinct=True),
            n_amendments=Count("amendments", distinct=True),
        )
    )


def letters(n: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the anonymised name of the n-th delegation."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


@dataclass
class Submission:
    """One comment or amendment of the period, as the tables show it."""

    obj: Comment | Amendment
    delegation: Delegation | None
    who: str  # the delegation's name, or "Delegation B" when anonymised
    disposition: Disposition | None
    where: str = "General"  # the practice's label in the circulated text

    @property
    def is_amendment(self) -> bool:
        return isinstance(self.obj, Amendment)

    @property
    def kind(self) -> str:
        return "amendment" if self.is_amendment else "comment"

    @property
    def text(self) -> str:
        """The comment, or the amendment's rationale."""
        return self.obj.rationale if self.is_amendment else self.obj.body

    @property
    def row_id(self) -> str:
        return f"{self.kind}-{self.obj.pk}"


@dataclass
class PracticeEntry:
    practice: PracticeSnapshot
    label: str
    submissions: list[Submission] = field(default_factory=list)


@dataclass
class SectionEntry:
    section: SectionSnapshot
    submissions: list[Submission] = field(default_factory=list)
    practices: list[PracticeEntry] = field(default_factory=list)


@dataclass
class Compilation:
    """The circulated text with the period's submissions in document order."""

    period: CommentPeriod
    sections: list[SectionEntry]
    anonymised: bool
    # Submissions on practices no longer in the circulated text (none in practice).
    elsewhere: list[Submission] = field(default_factory=list)

    @property
    def submissions(self) -> list[Submission]:
        out: list[Submission] = []
        for s in self.sections:
            out += s.submissions
            for p in s.practices:
                out += p.submissions
        return out + self.elsewhere

    @property
    def counts(self) -> dict[str, int]:
        """How many submissions have each disposition ("" for none yet)."""
        return dict(
            Counter(s.disposition.outcome if s.disposition else "" for s in self.submissions)
        )


def _delegation_of_comment(comment: Comment) -> Delegation | None:
    if comment.on_behalf_of_id:
        return comment.on_behalf_of
    profile = getattr(comment.author, "profile", None)
    return profile.delegation if profile is not None else None


def compilation(
    period: CommentPeriod, *, anonymise: bool | None = None, delegation_id: int | None = None
) -> Compilation:
    """The period's compilation: 6 queries whatever its size.

    ``anonymise`` (default: the period's choice) letters delegations A, B, … in the
    order they first speak in the text, the same letter for one delegation
    throughout. ``delegation_id`` keeps only that delegation's submissions (an
    expert's own on the period page).
    """
    anonymise = period.anonymise if anonymise is None else anonymise
    snapshot = document_as_of(period.document, period.version.taken_at)
    comments = (
        Comment.objects.filter(period=period, parent__isnull=True)
        .select_related("author__profile__delegation", "on_behalf_of", "disposition__meeting")
        .order_by("created_at", "id")
    )
    amendments = (
        Amendment.objects.filter(period=period)
        .select_related("delegation", "proposed_by", "disposition__meeting")
        .order_by("created_at", "id")
    )
    by_practice: dict[int, list] = defaultdict(list)
    by_section: dict[int, list] = defaultdict(list)
    # Oldest first within a practice, comments and proposals interleaved as they came in.
    rows = sorted([*amendments, *comments], key=lambda r: (r.created_at, r.pk))
    for row in rows:
        delegation = row.delegation if isinstance(row, Amendment) else _delegation_of_comment(row)
        if delegation_id is not None and getattr(delegation, "pk", None) != delegation_id:
            continue
        # select_related caches a missing reverse one-to-one; reading it raises AttributeError.
        disposition = getattr(row, "disposition", None)
        item = Submission(row, delegation, "", disposition)
        if row.practice_id:
            by_practice[row.practice_id].append(item)
        else:
            by_section[row.section_id].append(item)
    document = period.document
    sections: list[SectionEntry] = []
    placed: set[int] = set()
    for s in snapshot.sections:
        entry = SectionEntry(s, by_section.pop(s.id, []))
        for p in s.practices:
            placed.add(p.id)
            label = document.label(p.number)
            items = by_practice.get(p.id, [])
            for item in items:
                item.where = label
            entry.practices.append(PracticeEntry(p, label, items))
        sections.append(entry)
    elsewhere = [i for pk, items in by_practice.items() if pk not in placed for i in items]
    elsewhere += [i for items in by_section.values() for i in items]
    result = Compilation(period, sections, anonymise, elsewhere)
    names: dict[int | None, str] = {}
    for item in result.submissions:
        key = getattr(item.delegation, "pk", None)
        if key not in names:
            if anonymise:
                names[key] = f"Delegation {letters(len(names))}"
            else:
                names[key] = item.delegation.name if item.delegation else "Secretariat"
        item.who = names[key]
    return result


@dataclass
class MeetingDispositions:
    period: CommentPeriod
    deferred: int
    decided: int


def dispositions_at_meeting(meeting: ReviewMeeting) -> list[MeetingDispositions]:
    """Periods with dispositions deferred to or decided at ``meeting`` (2 queries)."""
    rows = (
        Disposition.objects.filter(meeting=meeting)
        .values("period_id", "outcome")
        .annotate(n=Count("id"))
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        key = "deferred" if row["outcome"] == Disposition.Outcome.DEFERRED else "decided"
        counts[row["period_id"]][key] += row["n"]
    if not counts:
        return []
    periods = CommentPeriod.objects.filter(pk__in=counts).select_related("version")
    return [
        MeetingDispositions(p, counts[p.pk]["deferred"], counts[p.pk]["decided"]) for p in periods
    ]


def circulated_but_deleted(period: CommentPeriod, practice_id: int) -> bool:
    """Whether ``practice_id`` is in the period's circulated version of its document but
    no longer in the document (deleted since). Two queries."""
    if Practice.objects.filter(pk=practice_id).exists():
        return False
    row = practice_as_of(practice_id, period.version.taken_at)
    return (
        row is not None
        and Section.history.filter(id=row.section_id, document_id=period.document_id).exists()
    )
