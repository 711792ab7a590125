"""Delegations' positions: the matrix page, the section page's position forms, and the
reservations on the record that the text prints as footnotes. Fixed numbers of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models

from drafting import permissions
from drafting.history.order import rows_as_of
from drafting.models import Agreement, Delegation, Document, Position, Practice, Section
from drafting.models.positions import reservation_lead
from drafting.reads.brackets import open_brackets
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
        return self.section.document.label(self.number)

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


# --- agreement per practice -------------------------------------------------------------------


class Standing(models.TextChoices):
    """Where a practice stands: proposed → under negotiation → agreed ad referendum → agreed."""

    PROPOSED = "proposed", "Proposed"
    UNDER_NEGOTIATION = "under_negotiation", "Under negotiation"
    AD_REFERENDUM = "ad_referendum", "Agreed ad referendum"
    AGREED = "agreed", "Agreed"


@dataclass(frozen=True)
class PracticeStanding:
    status: str
    # Why it is under negotiation, in the secretariat's words ("Turkey objects.").
    reasons: tuple[str, ...] = ()
    # Counts that anyone with a role may see, naming no delegation ("1 objection").
    summary: str = ""
    # An agreement that no longer holds: "Agreed ad referendum at revision 3; edited since."
    lapsed: str = ""
    agreement: Agreement | None = None

    @property
    def label(self) -> str:
        return Standing(self.status).label


def objections(positions: list[Position], practices: list[Practice]) -> dict[int, list[str]]:
    """A practice some delegation objects to is under negotiation: practice id -> reasons."""
    found: dict[int, list[str]] = defaultdict(list)
    for position in positions:
        if position.stance == Stance.OBJECTION:
            found[position.practice_id].append(f"{position.delegation.name} objects.")
    return found


# What keeps a practice under negotiation, each a function of the positions and the
# practices at hand returning practice id -> reasons: an objection, an open square
# bracket in the text (reads.brackets, no query: brackets live in the text).
NEGOTIATION_CONDITIONS: list[Callable[[list[Position], list[Practice]], dict[int, list[str]]]] = [
    objections,
    open_brackets,
]


def standing_of(
    practice: Practice, agreement: Agreement | None, reasons: list[str]
) -> PracticeStanding:
    """The agreement status of ``practice`` given its recorded agreement and open reasons.

    An agreement holds only for the revision it names and while nothing keeps the
    practice under negotiation (an objection stated after it puts it back).
    """
    lapsed = ""
    holds = (
        agreement is not None
        and agreement.status != Agreement.Status.NONE
        and agreement.text_revision == practice.revision
    )
    if agreement is not None and agreement.status != Agreement.Status.NONE and not holds:
        lapsed = (
            f"{agreement.get_status_display()} at revision {agreement.text_revision}; "
            "the text was edited since, so it is open again."
        )
    n = len(reasons)
    summary = f"{n} open point{'s' if n != 1 else ''}" if n else ""
    if reasons:
        status = Standing.UNDER_NEGOTIATION
    elif holds:
        status = Standing(agreement.status)
    else:
        status = Standing.PROPOSED
    return PracticeStanding(status, tuple(reasons), summary, lapsed, agreement)


def document_standings(
    document: Document, practices: list[Practice]
) -> dict[int, PracticeStanding]:
    """Practice id -> agreement status for the document page; two queries whatever the size.

    Only the positions that can keep a practice under negotiation (objections) are
    read; reasons name delegations, so pages show them to the secretariat only.
    """
    rows = list(
        Position.objects.filter(
            practice__section__document=document, stance=Stance.OBJECTION
        ).select_related("delegation")
    )
    agreements = {
        a.practice_id: a
        for a in Agreement.objects.filter(practice__section__document=document).select_related(
            "meeting"
        )
    }
    reasons: dict[int, list[str]] = defaultdict(list)
    for condition in NEGOTIATION_CONDITIONS:
        for practice_id, found in condition(rows, practices).items():
            reasons[practice_id].extend(found)
    return {p.pk: standing_of(p, agreements.get(p.pk), reasons[p.pk]) for p in practices}


@dataclass
class PracticePositions:
    """What the section page shows under one practice."""

    own: Position | None = None  # the user's delegation's position
    others: list[Position] = field(default_factory=list)  # the secretariat: every delegation's
    standing: PracticeStanding | None = None


def positions_for_section(
    section: Section, user, practices: list[Practice] | None = None
) -> dict[int, PracticePositions]:
    """Practice id -> the positions ``user`` may see on it and its agreement status.

    ``practices`` are the section's practices when the caller has them (their
    revisions decide whether an agreement still holds). Two queries; none for a
    user who may not see positions. Every delegation's positions are read (an
    objection puts a practice under negotiation whoever looks), but only those
    the user may see are returned.
    """
    if not permissions.can_view_positions(user, section.document):
        return {}
    if practices is None:
        practices = list(Practice.objects.filter(section=section))
    own = permissions.delegation_of(user)
    sees_all = permissions.sees_all_positions(user)
    rows = list(
        Position.objects.filter(practice__section=section)
        .select_related("delegation")
        .order_by("delegation__name")
    )
    agreements = {
        a.practice_id: a
        for a in Agreement.objects.filter(practice__section=section).select_related("meeting")
    }
    reasons: dict[int, list[str]] = defaultdict(list)
    for condition in NEGOTIATION_CONDITIONS:
        for practice_id, found in condition(rows, practices).items():
            reasons[practice_id].extend(found)
    entries: dict[int, PracticePositions] = {
        p.pk: PracticePositions(standing=standing_of(p, agreements.get(p.pk), reasons[p.pk]))
        for p in practices
    }
    for position in rows:
        entry = entries.get(position.practice_id)
        if entry is None:
            continue
        if own is not None and position.delegation_id == own.pk:
            entry.own = position
        if sees_all and position.stance != Stance.NONE:
            entry.others.append(position)
    return entries


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
