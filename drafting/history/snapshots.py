"""Snapshots: the document, a section or a practice as it stood at any moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from drafting import numbering
from drafting.history import order
from drafting.models import Document, Practice, Section


@dataclass(frozen=True)
class PracticeSnapshot:
    id: int
    section_id: int
    position: int
    heading: str
    body: str
    revision: int
    # Continuous: an int; under keep numbers the label held, as text ("7 bis").
    number: int | str
    # The history row that wrote this text; None from document_now(with_rows=False).
    history_id: int | None
    changed_at: datetime | None
    # The label held under keep numbers (kept_number, kept_suffix), as stored then.
    kept: tuple[int | None, int] = (None, 0)


@dataclass
class SectionSnapshot:
    id: int
    position: int
    title: str
    introduction: str
    status: str
    revision: int
    practices: list[PracticeSnapshot] = field(default_factory=list)


@dataclass
class DocumentSnapshot:
    """A document's text as it stood at ``at``: sections and practices in order, numbered."""

    document_id: int
    slug: str
    title: str
    short_title: str
    forum: str
    initiative: str
    introduction: str
    status: str
    at: datetime
    sections: list[SectionSnapshot]
    # The moment the rows were cut at (drafting.history.order); None: everything
    # recorded, i.e. the latest row of each object. ``at`` is then the time of reading.
    moment: datetime | None = None
    # The document's own history row and the cover facts it held at ``at``
    # (for exports: the cover of a version shows the co-leads of that time).
    history_id: int | None = None
    working_group_id: int | None = None
    implementing_partner_id: int | None = None
    target_meeting_id: int | None = None
    adopted_on: date | None = None
    adopted_at_id: int | None = None
    # How practices are called and numbered (drafting.models.Document.label).
    pretitle: str = ""
    label_term: str = "Good Practice"
    first_number: int = 1
    numbering: str = numbering.CONTINUOUS

    @property
    def practices(self) -> list[PracticeSnapshot]:
        return [p for s in self.sections for p in s.practices]

    def practice(self, practice_id: int) -> PracticeSnapshot | None:
        return next((p for p in self.practices if p.id == practice_id), None)


def latest_rows_as_of(history: QuerySet, when: datetime | None = None) -> QuerySet:
    """For each object in ``history`` (a history QuerySet), its row current at ``when`` (now).

    The one rule of drafting.history.order: the row with the largest history_id at
    or below the cut of ``when``. Deleted objects keep their "-" row: callers skip
    ``history_type == "-"``.
    """
    return order.rows_as_of(history, when)


def document_as_of(document: Document, when: datetime | None = None) -> DocumentSnapshot:
    """Reconstruct ``document`` as it stood at ``when`` (everything recorded, if omitted).

    Practices deleted since ``when`` are included; practices and sections
    created after it are not. Which row counts as "as of" is the one rule of
    drafting.history.order, so with ``when=None`` this is the latest row of
    everything, whatever the clocks that dated them. Three queries, whatever the
    size. Raises Document.DoesNotExist if the document did not exist at ``when``.
    """
    doc_row = latest_rows_as_of(Document.history.filter(id=document.pk), when).first()
    if doc_row is None or doc_row.history_type == "-":
        at = f"at {when:%Y-%m-%d %H:%M}" if when else "any more"
        raise Document.DoesNotExist(f"{document} did not exist {at}.")

    ever_in_document = Section.history.filter(document_id=document.pk).values("id")
    section_rows = [
        row
        for row in latest_rows_as_of(Section.history.filter(document_id=document.pk), when)
        if row.history_type != "-"
    ]
    sections = {
        row.id: SectionSnapshot(
            id=row.id,
            position=row.position,
            title=row.title,
            introduction=row.introduction,
            status=row.status,
            revision=row.revision,
        )
        for row in section_rows
    }
    # All rows of every practice that ever sat in this document's sections, so a
    # practice's latest row is found even if it later moved or was deleted.
    practice_rows = latest_rows_as_of(
        Practice.history.filter(section_id__in=ever_in_document), when
    )
    for row in practice_rows:
        if row.history_type == "-" or row.section_id not in sections:
            continue
        sections[row.section_id].practices.append(_practice_snapshot(row, number=0))

    ordered = _in_order_and_numbered(sections.values(), doc_row.first_number, doc_row.numbering)

    return DocumentSnapshot(
        document_id=document.pk,
        slug=doc_row.slug,
        title=doc_row.title,
        short_title=doc_row.short_title,
        forum=doc_row.forum,
        initiative=doc_row.initiative,
        introduction=doc_row.introduction,
        status=doc_row.status,
        at=when or timezone.now(),
        moment=when,
        sections=ordered,
        history_id=doc_row.history_id,
        working_group_id=doc_row.working_group_id,
        implementing_partner_id=doc_row.implementing_partner_id,
        target_meeting_id=doc_row.target_meeting_id,
        adopted_on=doc_row.adopted_on,
        adopted_at_id=doc_row.adopted_at_id,
        pretitle=doc_row.pretitle,
        label_term=doc_row.label_term,
        first_number=doc_row.first_number,
        numbering=doc_row.numbering,
    )


def _practice_snapshot(row, *, number: int) -> PracticeSnapshot:
    return PracticeSnapshot(
        id=row.id,
        section_id=row.section_id,
        position=row.position,
        heading=row.heading,
        body=row.body,
        revision=row.revision,
        number=number,
        history_id=row.history_id,
        changed_at=row.history_date,
        kept=(row.kept_number, row.kept_suffix),
    )


def _in_order_and_numbered(
    sections, first_number: int = 1, rule: str = numbering.CONTINUOUS
) -> list[SectionSnapshot]:
    """Sections and their practices in stored order, numbered through the document by
    ``rule`` from ``first_number`` (the document's, as they stood at the moment read;
    drafting.numbering.numbers_in_order)."""
    ordered = sorted(sections, key=lambda s: (s.position, s.id))
    for section in ordered:
        section.practices = sorted(section.practices, key=lambda p: (p.position, p.id))
    every = [p for section in ordered for p in section.practices]
    numbers = dict(
        (p.id, n)
        for p, n in numbering.numbers_in_order(rule, first_number, every, kept=lambda p: p.kept)
    )
    for section in ordered:
        section.practices = [
            _practice_snapshot_renumbered(p, numbers[p.id]) for p in section.practices
        ]
    return ordered


def _practice_snapshot_renumbered(p: PracticeSnapshot, number: int) -> PracticeSnapshot:
    return PracticeSnapshot(**{**p.__dict__, "number": number})


def practice_at_revision(practice_id: int, revision: int):
    """The history row holding text revision ``revision`` of a practice (its last such row).

    Moves do not change the text revision, so several rows may share one; the
    latest of them is the practice as it stood when that text was current.
    """
    return order.last_row(Practice.history.filter(id=practice_id, revision=revision))


def practice_as_of(practice_id: int, when: datetime):
    """The practice's history row current at ``when``, or None if it did not exist then."""
    row = latest_rows_as_of(Practice.history.filter(id=practice_id), when).first()
    return None if row is None or row.history_type == "-" else row


def document_now(document: Document, *, with_rows: bool = True) -> DocumentSnapshot:
    """The document as it stands now, read from the live tables: same shape as document_as_of().

    The current text costs the same however long the history (issue 13): no
    ranking of history rows, only each object's latest row found through the
    ``(id, history_id)`` index of its history table (drafting.models.base). Each
    practice carries its latest history row id and date; the document's cover
    facts (co-leads, working group, meetings) come from its latest history row,
    as document_as_of() gives them. Three queries, whatever the size or age.
    ``with_rows=False`` (exports: the text only) leaves each practice's
    ``history_id`` and ``changed_at`` None and reads no practice history at all.
    """
    doc_row = order.last_row(Document.history.filter(id=document.pk))
    # The row that wrote the live row is the latest one (drafting.history.order),
    # whatever date it carries.
    latest = order.newest_first(Practice.history.filter(id=OuterRef("pk")))
    practices = Practice.objects.filter(section__document=document).order_by("position", "id")
    if with_rows:
        practices = practices.annotate(
            last_history_id=Subquery(latest.values("history_id")[:1]),
            last_changed_at=Subquery(latest.values("history_date")[:1]),
        )
    sections = {
        s.pk: SectionSnapshot(
            id=s.pk,
            position=s.position,
            title=s.title,
            introduction=s.introduction,
            status=s.status,
            revision=s.revision,
        )
        for s in Section.objects.filter(document=document)
    }
    for p in practices:
        sections[p.section_id].practices.append(
            PracticeSnapshot(
                id=p.pk,
                section_id=p.section_id,
                position=p.position,
                heading=p.heading,
                body=p.body,
                revision=p.revision,
                number=0,
                history_id=getattr(p, "last_history_id", None),
                changed_at=getattr(p, "last_changed_at", None),
                kept=(p.kept_number, p.kept_suffix),
            )
        )
    ordered = _in_order_and_numbered(sections.values(), document.first_number, document.numbering)
    return DocumentSnapshot(
        document_id=document.pk,
        slug=document.slug,
        title=document.title,
        short_title=document.short_title,
        forum=document.forum,
        initiative=document.initiative,
        introduction=document.introduction,
        status=document.status,
        at=timezone.now(),
        sections=ordered,
        # A live document always has history rows (every write is stamped); the
        # guard keeps a page working on data written around the history anyway.
        history_id=doc_row.history_id if doc_row else None,
        working_group_id=document.working_group_id,
        implementing_partner_id=document.implementing_partner_id,
        target_meeting_id=document.target_meeting_id,
        adopted_on=document.adopted_on,
        adopted_at_id=document.adopted_at_id,
        pretitle=document.pretitle,
        label_term=document.label_term,
        first_number=document.first_number,
        numbering=document.numbering,
    )


def snapshot_or_empty(document: Document, when: datetime) -> DocumentSnapshot:
    """document_as_of(), or an empty snapshot if the document did not exist yet."""
    try:
        return document_as_of(document, when)
    except Document.DoesNotExist:
        return DocumentSnapshot(
            document_id=document.pk,
            slug=document.slug,
            title=document.title,
            short_title=document.short_title,
            forum=document.forum,
            initiative="",
            introduction="",
            status="",
            at=when,
            sections=[],
            moment=when,
        )
