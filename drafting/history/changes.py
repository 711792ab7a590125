"""Changes: what was added, changed, moved or deleted between two moments; the one move detector."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from drafting import diff
from drafting.history import order
from drafting.history.record import Author
from drafting.history.snapshots import (
    DocumentSnapshot,
    PracticeSnapshot,
    SectionSnapshot,
    document_now,
    snapshot_or_empty,
)
from drafting.models import Document, Practice
from drafting.models.documents import practice_label

T = TypeVar("T")


@dataclass
class ChangeSince:
    """One practice added, changed, moved or deleted between two snapshots."""

    before: PracticeSnapshot | None
    after: PracticeSnapshot | None
    moved: bool = False
    last_row: object | None = None
    term: str = "Good Practice"  # the document's label term (Document.label)

    @property
    def practice_id(self) -> int:
        return (self.after or self.before).id

    @property
    def added(self) -> bool:
        return self.before is None

    @property
    def deleted(self) -> bool:
        return self.after is None

    @property
    def text_changed(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and (self.before.heading != self.after.heading or self.before.body != self.after.body)
        )

    @property
    def renumbered(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and self.before.number != self.after.number
        )

    @property
    def author(self) -> Author | None:
        return self.last_row.author if self.last_row is not None else None

    # Labels prepared in Python: "what changed" lists hundreds of practices, and a
    # few strings per practice render much faster than a template full of tests.
    @cached_property
    def kinds(self) -> list[tuple[str, str]]:
        """(css class, label) badges: Added / Deleted / Text edited / Moved."""
        if self.added:
            return [("kind-added", "Added")]
        if self.deleted:
            return [("kind-deleted", "Deleted")]
        out = []
        if self.text_changed:
            out.append(("kind-changed", "Text edited"))
        if self.moved:
            out.append(("kind-moved", "Moved"))
        return out

    @cached_property
    def history_url(self) -> str:
        # Pages listing hundreds of changes set this themselves from one reverse().
        return reverse("drafting:practice-history", args=[self.practice_id])

    @cached_property
    def number_label(self) -> str:
        was = practice_label(self.term, self.before.number if self.before else None)
        if self.after is None:
            return f"was {was}"
        now = practice_label(self.term, self.after.number)
        return f"{now} (was {was})" if self.renumbered else now

    @cached_property
    def last_change_label(self) -> str:
        """Who made the latest change, when, and why (plain text; the template escapes it)."""
        if self.last_row is None:
            return ""
        when = timezone.localtime(self.last_row.history_date)
        label = f"Last change: {self.author} · {when.day} {when:%B %Y, %H:%M}"
        reason = self.last_row.history_change_reason
        return f"{label} · {reason}" if reason else label

    @cached_property
    def heading_redline(self) -> SafeString:
        return self._redlines[0]

    @cached_property
    def body_redline(self) -> SafeString:
        return self._redlines[1]

    @cached_property
    def _redlines(self) -> tuple[SafeString, SafeString]:
        before, after = self.before, self.after
        return diff.practice_redline(
            before.heading if before else "",
            before.body if before else "",
            after.heading if after else "",
            after.body if after else "",
        )


@dataclass
class SectionChanges:
    """A section (as now, or as it was if deleted since) and its changed practices in order."""

    before: SectionSnapshot | None
    after: SectionSnapshot | None
    changes: list[ChangeSince]
    moved: bool = False  # its order among the sections that exist at both ends changed

    @property
    def title(self) -> str:
        return (self.after or self.before).title

    @property
    def section_id(self) -> int:
        return (self.after or self.before).id

    @property
    def title_changed(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and (self.before.title != self.after.title)
        )

    @cached_property
    def title_redline(self) -> SafeString:
        return diff.redline_html(self.before.title if self.before else "", self.title)


@dataclass
class DocumentChanges:
    since: datetime
    sections: list[SectionChanges]
    renumbered_only: int

    @property
    def changes(self) -> list[ChangeSince]:
        return [c for s in self.sections for c in s.changes]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if getattr(c, kind))


def changes_since(document: Document, since: datetime) -> DocumentChanges:
    """Every practice added, changed, moved or deleted since ``since``; see changes_between()."""
    return changes_between(document, since)


def changes_between(
    document: Document, since: datetime, until: datetime | None = None
) -> DocumentChanges:
    """Every practice added, changed, moved or deleted between ``since`` and ``until`` (now).

    A fixed number of queries: the snapshot at each end and the rows naming who
    made each change. See compare_snapshots() for what counts as a change.
    """
    then = snapshot_or_empty(document, since)
    now = document_now(document) if until is None else snapshot_or_empty(document, until)
    return compare_snapshots(then, now, since=since, until=until)


def compare_snapshots(
    then: DocumentSnapshot,
    now: DocumentSnapshot,
    *,
    since: datetime,
    until: datetime | None = None,
) -> DocumentChanges:
    """The practices added, changed, moved or deleted from ``then`` to ``now``, in order.

    Deleted practices appear where they stood. What counts as moved is
    detect_moves()'s rule, shared with the redline exports. One query (who made
    each change).
    """
    then_sections = then.sections
    before = {p.id: p for s in then_sections for p in s.practices}
    after = {p.id: p for p in now.practices}
    moves = detect_moves(then_sections, now.sections)
    moved = moves.practices

    changes: dict[int, ChangeSince] = {}
    for pid, new in after.items():
        old = before.get(pid)
        change = ChangeSince(before=old, after=new, moved=pid in moved, term=now.label_term)
        if change.added or change.text_changed or change.moved:
            changes[pid] = change
    for pid, old in before.items():
        if pid not in after:
            changes[pid] = ChangeSince(before=old, after=None, term=now.label_term)
    renumbered_only = sum(
        1 for pid, new in after.items() if pid not in changes and before[pid].number != new.number
    )
    _attach_last_rows(changes, until)
    return DocumentChanges(
        since=since,
        sections=_in_document_order(then_sections, now.sections, changes, moves.sections),
        renumbered_only=renumbered_only,
    )


def _attach_last_rows(changes: dict[int, ChangeSince], until: datetime | None = None) -> None:
    """The history row behind each change (latest edit, or the deletion): one query.

    For a deleted practice, its row as of ``until`` (the latest, for now) under
    the same rule as the snapshot that no longer has it: its "-" row.
    """
    if not changes:
        return
    latest_ids = [c.after.history_id for c in changes.values() if c.after is not None]
    deleted_ids = [pid for pid, c in changes.items() if c.deleted]
    deletions = order.rows_as_of(Practice.history.filter(id__in=deleted_ids), until)
    rows = Practice.history.filter(
        Q(history_id__in=latest_ids) | Q(history_id__in=deletions.values("history_id"))
    ).values_list(
        "id",
        "history_id",
        "history_date",
        "history_change_reason",
        "history_user__first_name",
        "history_user__last_name",
        "history_user__username",
        "history_user__profile__delegation__name",
    )
    # Plain values, not model instances: this runs for every practice of a document.
    # In history order, so a practice's latest row is the one kept.
    for pid, hid, when, reason, first, last, username, delegation in sorted(
        rows, key=lambda r: r[1]
    ):
        change = changes.get(pid)
        if change is not None:
            author = Author.named(first, last, username, delegation)
            change.last_row = LastChange(hid, when, reason or "", author)


@dataclass(frozen=True)
class LastChange:
    """The history row behind a listed change, reduced to what the page shows."""

    history_id: int
    history_date: datetime
    history_change_reason: str
    author: Author


@dataclass(frozen=True)
class Moves:
    """What moved between two snapshots: practice ids and section ids."""

    practices: frozenset[int]
    sections: frozenset[int]


def detect_moves(
    then_sections: Sequence[SectionSnapshot], now_sections: Sequence[SectionSnapshot]
) -> Moves:
    """The one move detector, for the history pages and the redline exports alike.

    A practice moved when it changed section, or when its order among the
    practices that stayed in its section changed. A section moved when its order
    among the sections that exist at both ends changed. Moving a whole section is
    therefore one move, of the section: the practices inside it keep their place
    in it and are only renumbered. That is what a reader of a redline expects: one
    decision, one mark, where it was taken; flagging every practice of a moved
    section would bury the practices that really moved under dozens of marks.

    Among the items that kept their relative order, the largest set stays put,
    preferring those whose stored position did not change (they were not written
    to), so the item actually moved is the one flagged.
    """
    then_practices = {p.id: p for s in then_sections for p in s.practices}
    then_rank = {p.id: i for s in then_sections for i, p in enumerate(s.practices)}
    moved: set[int] = set()
    for section in now_sections:
        common = [p for p in section.practices if p.id in then_practices]
        # Arrived from another section: moved, whatever its place.
        stayed = [p for p in common if then_practices[p.id].section_id == section.id]
        moved.update(p.id for p in common if then_practices[p.id].section_id != section.id)
        moved.update(_out_of_order(stayed, then_rank, then_practices))
    then_section_rank = {s.id: i for i, s in enumerate(then_sections)}
    then_section_by_id = {s.id: s for s in then_sections}
    kept_sections = [s for s in now_sections if s.id in then_section_rank]
    return Moves(
        practices=frozenset(moved),
        sections=frozenset(_out_of_order(kept_sections, then_section_rank, then_section_by_id)),
    )


def _out_of_order(items: Sequence, then_rank: dict[int, int], then_by_id: dict) -> set[int]:
    """Ids of ``items`` (in their new order) outside the heaviest run still in their old order."""
    ranks = [then_rank[item.id] for item in items]
    weights = [2 if then_by_id[item.id].position == item.position else 1 for item in items]
    keep = _heaviest_increasing(ranks, weights)
    return {item.id for i, item in enumerate(items) if i not in keep}


def _heaviest_increasing(values: list[int], weights: list[int]) -> set[int]:
    """Indexes of the heaviest strictly increasing subsequence of ``values``.

    Quadratic in the length of one section's list of practices (or the list of
    sections), which stays small.
    """
    n = len(values)
    best, back = list(weights), [-1] * n
    for i in range(n):
        for j in range(i):
            if values[j] < values[i] and best[j] + weights[i] > best[i]:
                best[i], back[i] = best[j] + weights[i], j
    keep: set[int] = set()
    i = max(range(n), key=lambda k: best[k], default=-1)
    while i != -1:
        keep.add(i)
        i = back[i]
    return keep


def gone_after_survivors(
    old: Iterable[T], *, here: Callable[[T], bool], gone: Callable[[T], bool]
) -> dict[int | None, list[T]]:
    """Where removed items go when shown in place: after the last item before them still here.

    ``old`` is the old order; the result maps the id of that surviving
    predecessor (None: at the start) to the removed items to show after it, in
    their old order. Items neither ``here`` nor ``gone`` (moved elsewhere) are
    skipped. Used for deleted practices and sections, on pages and in redlines.
    """
    placed: dict[int | None, list[T]] = {}
    anchor: int | None = None
    for item in old:
        if here(item):
            anchor = item.id
        elif gone(item):
            placed.setdefault(anchor, []).append(item)
    return placed


def _in_document_order(
    then_sections: list[SectionSnapshot],
    now_sections: list[SectionSnapshot],
    changes: dict[int, ChangeSince],
    moved_sections: frozenset[int] = frozenset(),
) -> list[SectionChanges]:
    """Sections now in order, with deleted sections and practices put back where they stood."""
    now_ids = {s.id for s in now_sections}
    then_by_id = {s.id: s for s in then_sections}
    deleted_sections = gone_after_survivors(
        then_sections, here=lambda s: s.id in now_ids, gone=lambda s: s.id not in now_ids
    )
    sections = [
        SectionChanges(before=s, after=None, changes=[]) for s in deleted_sections.get(None, [])
    ]
    for s in now_sections:
        sections.append(
            SectionChanges(
                before=then_by_id.get(s.id), after=s, changes=[], moved=s.id in moved_sections
            )
        )
        sections.extend(
            SectionChanges(before=gone, after=None, changes=[])
            for gone in deleted_sections.get(s.id, [])
        )

    for group in sections:
        current = group.after.practices if group.after else []
        here = {p.id for p in current}
        deleted = gone_after_survivors(
            group.before.practices if group.before is not None else [],
            here=lambda p, here=here: p.id in here,
            gone=lambda p: p.id in changes and changes[p.id].deleted,
        )
        group.changes.extend(changes[p.id] for p in deleted.get(None, []))
        for p in current:
            if p.id in changes:
                group.changes.append(changes[p.id])
            group.changes.extend(changes[d.id] for d in deleted.get(p.id, []))
    return [g for g in sections if g.changes or g.title_changed or g.moved or g.after is None]
