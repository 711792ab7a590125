"""Delegations' positions: the matrix page, the section page's position forms, and the
reservations on the record that the text prints as footnotes. Fixed numbers of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from drafting import permissions
from drafting.history.order import rows_as_of
from drafting.models import Delegation, Document, Position, Practice, Section
from drafting.models.positions import reservation_lead
from drafting.reads.documents import document_outline

Stance = Position.Stance

# The matrix page's filters (?only=...), in the words of its menu.
FILTERS = {
    "": "All practices",
    "objections": "Practices with an objection",
    "missing": "Practices without a position from a member",
}


# What a matrix cell shows: a letter per stance, explained in the legend (page and Word).
MARKS = {Stance.SUPPORT: "S", Stance.RESERVATION: "R", Stance.OBJECTION: "O", Stance.NONE: "–"}
_LABELS = dict(Stance.choices)


@dataclass(frozen=True, slots=True)
class Cell:
    """One delegation's position on one practice, as the matrix shows it.

    Plain values rather than model instances: a matrix holds 400 × 37 of them.
    """

    stance: str
    text: str = ""
    for_the_record: bool = False

    @property
    def stated(self) -> bool:
        return self.stance != Stance.NONE

    @property
    def label(self) -> str:
        """ "Reservation", or "Reservation (accepted for the record)"."""
        label = _LABELS.get(self.stance, self.stance)
        return f"{label} (accepted for the record)" if self.for_the_record else label

    @property
    def mark(self) -> str:
        """ "S", "R", "R*" (on the record), "O" or "–"."""
        return MARKS.get(self.stance, "?") + ("*" if self.for_the_record else "")

    def describe(self) -> str:
        """The cell in words: "Support", "Reservation (…): statement", "" for no position."""
        if not self.stated:
            return ""
        return f"{self.label}: {self.text}" if self.text else self.label


NO_POSITION = Cell(Stance.NONE)


@dataclass
class MatrixRow:
    section: Section
    practice: Practice
    number: int
    cells: list[Cell]  # one per delegation of the matrix, in its order

    @property
    def label(self) -> str:
        return f"Good Practice {self.number}"

    @property
    def has_objection(self) -> bool:
        return any(c.stance == Stance.OBJECTION for c in self.cells)


@dataclass
class PositionMatrix:
    document: Document
    delegations: list[Delegation]
    rows: list[MatrixRow]
    sections: list[Section]  # every section, for the filter menu
    only: str = ""
    section_id: int | None = None
    totals: dict[str, int] = field(default_factory=dict)  # stance -> cells, over shown rows


def position_matrix(
    document: Document, user, *, only: str = "", section_id: int | None = None
) -> PositionMatrix:
    """Delegations × practices in document order, with current numbers; four queries.

    The secretariat's matrix has every delegation; anyone else's only their own
    (permissions.sees_all_positions). ``only`` is a key of FILTERS ("objections":
    practices some delegation objects to; "missing": practices on which some member
    delegation of the matrix has stated no position); ``section_id`` keeps one
    section. Unknown filters are ignored (the view validates them).
    """
    outline = document_outline(document)
    if permissions.sees_all_positions(user):
        delegations = list(Delegation.objects.order_by("name"))
    else:
        own = permissions.delegation_of(user)
        delegations = [own] if own is not None else []
    column = {d.pk: i for i, d in enumerate(delegations)}
    practice_ids = [item.practice.pk for entry in outline for item in entry.practices]
    by_practice: dict[int, list[Cell]] = {
        pk: [NO_POSITION] * len(delegations) for pk in practice_ids
    }
    if delegations and practice_ids:
        positions = Position.objects.filter(
            practice__section__document=document, delegation_id__in=list(column)
        ).values_list("practice_id", "delegation_id", "stance", "text", "for_the_record")
        for practice_id, delegation_id, stance, text, on_record in positions:
            cells = by_practice.get(practice_id)
            if cells is not None:
                cells[column[delegation_id]] = Cell(stance, text, on_record)
    members = [i for i, d in enumerate(delegations) if d.kind == Delegation.Kind.MEMBER]
    rows, totals = [], dict.fromkeys(Stance.values, 0)
    for entry in outline:
        if section_id is not None and entry.section.pk != section_id:
            continue
        for item in entry.practices:
            cells = by_practice[item.practice.pk]
            row = MatrixRow(entry.section, item.practice, item.number, cells)
            if only == "objections" and not row.has_objection:
                continue
            if only == "missing" and all(row.cells[i].stated for i in members):
                continue
            rows.append(row)
            for cell in row.cells:
                totals[cell.stance] += 1
    return PositionMatrix(
        document=document,
        delegations=delegations,
        rows=rows,
        sections=[entry.section for entry in outline],
        only=only,
        section_id=section_id,
        totals=totals,
    )


@dataclass
class PracticePositions:
    """What the section page shows under one practice."""

    own: Position | None = None  # the user's delegation's position
    others: list[Position] = field(default_factory=list)  # the secretariat: every delegation's


def positions_for_section(section: Section, user) -> dict[int, PracticePositions]:
    """Practice id -> the positions ``user`` may see on it; one query (none without a right)."""
    if not permissions.can_view_positions(user, section.document):
        return {}
    own = permissions.delegation_of(user)
    rows = Position.objects.filter(practice__section=section).select_related("delegation")
    if not permissions.sees_all_positions(user):
        rows = rows.filter(delegation=own)
    found: dict[int, PracticePositions] = defaultdict(PracticePositions)
    for position in rows.order_by("delegation__name"):
        entry = found[position.practice_id]
        if own is not None and position.delegation_id == own.pk:
            entry.own = position
        if permissions.sees_all_positions(user) and position.stance != Stance.NONE:
            entry.others.append(position)
    return dict(found)


def reservations_on_record(document: Document) -> dict[int, list[Position]]:
    """Practice id -> reservations accepted for the record, by delegation name; one query.

    These are public: they are printed as footnotes of the text.
    """
    rows = (
        Position.objects.filter(
            practice__section__document=document,
            stance=Stance.RESERVATION,
            for_the_record=True,
        )
        .select_related("delegation")
        .order_by("delegation__name", "pk")
    )
    found: dict[int, list[Position]] = defaultdict(list)
    for position in rows:
        found[position.practice_id].append(position)
    return dict(found)


def reservation_notes_as_of(
    practice_ids: list[int], when: datetime | None = None
) -> dict[int, list[tuple[str, str]]]:
    """Practice id -> (footnote lead, statement) of reservations on the record at ``when``.

    For exports of any moment (a version, a meeting's opening): the positions as
    history recorded them then, under the one order of history (history.order).
    Delegation names are today's. Two queries.
    """
    if not practice_ids:
        return {}
    rows = [
        row
        for row in rows_as_of(Position.history.filter(practice_id__in=practice_ids), when)
        if row.history_type != "-" and row.stance == Stance.RESERVATION and row.for_the_record
    ]
    names = dict(
        Delegation.objects.filter(pk__in={r.delegation_id for r in rows}).values_list("pk", "name")
    )
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (names.get(r.delegation_id, ""), r.id)):
        name = names.get(row.delegation_id, "a delegation")
        found[row.practice_id].append((reservation_lead(name), row.text))
    return dict(found)
