"""History: stamping writes, and reconstructing text as it stood at any moment.

Every write to a tracked model is preceded by ``stamp()`` so its history row
names the acting user, the reason and (optionally) the meeting. Reconstruction
reads the history tables only, in a fixed number of queries whatever the size
of the document or the length of its history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import F, Model, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from drafting.models import Document, Practice, Section


def stamp(
    obj: Model,
    *,
    by,
    reason: str = "",
    meeting=None,
    when: datetime | None = None,
) -> Model:
    """Set who, why, at which meeting (and, for imports, when) for the next save/delete.

    simple-history keeps ``_change_reason`` on the instance after a save, so a
    fresh value is set every time rather than relying on defaults.
    """
    obj._history_user = by
    obj._change_reason = reason
    obj._history_meeting = meeting
    if when is not None:
        obj._history_date = when
    elif hasattr(obj, "_history_date"):
        del obj._history_date
    return obj


@dataclass(frozen=True)
class PracticeSnapshot:
    id: int
    section_id: int
    position: int
    heading: str
    body: str
    revision: int
    number: int
    history_id: int
    changed_at: datetime


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
    # The document's own history row and the cover facts it held at ``at``
    # (for exports: the cover of a version shows the co-leads of that time).
    history_id: int | None = None
    working_group_id: int | None = None
    implementing_partner_id: int | None = None
    target_meeting_id: int | None = None
    adopted_on: date | None = None
    adopted_at_id: int | None = None

    @property
    def practices(self) -> list[PracticeSnapshot]:
        return [p for s in self.sections for p in s.practices]

    def practice(self, practice_id: int) -> PracticeSnapshot | None:
        return next((p for p in self.practices if p.id == practice_id), None)


def latest_rows_as_of(history: QuerySet, when: datetime) -> QuerySet:
    """For each object in ``history`` (a history QuerySet), its last row at or before ``when``.

    Deleted objects keep their "-" row: callers skip ``history_type == "-"``.
    """
    return _latest_rows_as_of(history, when)


def _latest_rows_as_of(history: QuerySet, when: datetime) -> QuerySet:
    """For each object in ``history``, its last row at or before ``when``."""
    return (
        history.filter(history_date__lte=when)
        .annotate(
            row_number=Window(
                RowNumber(),
                partition_by=[F("id")],
                order_by=[F("history_date").desc(), F("history_id").desc()],
            )
        )
        .filter(row_number=1)
    )


def document_as_of(document: Document, when: datetime | None = None) -> DocumentSnapshot:
    """Reconstruct ``document`` as it stood at ``when`` (now if omitted).

    Practices deleted since ``when`` are included; practices and sections
    created after it are not. Three queries, whatever the size.
    """
    when = when or timezone.now()
    doc_row = _latest_rows_as_of(Document.history.filter(id=document.pk), when).first()
    if doc_row is None or doc_row.history_type == "-":
        raise Document.DoesNotExist(f"{document} did not exist at {when:%Y-%m-%d %H:%M}.")

    ever_in_document = Section.history.filter(document_id=document.pk).values("id")
    section_rows = [
        row
        for row in _latest_rows_as_of(Section.history.filter(document_id=document.pk), when)
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
    practice_rows = _latest_rows_as_of(
        Practice.history.filter(section_id__in=ever_in_document), when
    )
    for row in practice_rows:
        if row.history_type == "-" or row.section_id not in sections:
            continue
        sections[row.section_id].practices.append(_practice_snapshot(row, number=0))

    ordered = sorted(sections.values(), key=lambda s: (s.position, s.id))
    number = 0
    for section in ordered:
        section.practices.sort(key=lambda p: (p.position, p.id))
        numbered = []
        for practice in section.practices:
            number += 1
            numbered.append(_practice_snapshot_renumbered(practice, number))
        section.practices = numbered

    return DocumentSnapshot(
        document_id=document.pk,
        slug=doc_row.slug,
        title=doc_row.title,
        short_title=doc_row.short_title,
        forum=doc_row.forum,
        initiative=doc_row.initiative,
        introduction=doc_row.introduction,
        status=doc_row.status,
        at=when,
        sections=ordered,
        history_id=doc_row.history_id,
        working_group_id=doc_row.working_group_id,
        implementing_partner_id=doc_row.implementing_partner_id,
        target_meeting_id=doc_row.target_meeting_id,
        adopted_on=doc_row.adopted_on,
        adopted_at_id=doc_row.adopted_at_id,
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
    )


def _practice_snapshot_renumbered(p: PracticeSnapshot, number: int) -> PracticeSnapshot:
    return PracticeSnapshot(**{**p.__dict__, "number": number})


def practice_at_revision(practice_id: int, revision: int):
    """The history row holding text revision ``revision`` of a practice (its last such row).

    Moves do not change the text revision, so several rows may share one; the
    latest of them is the practice as it stood when that text was current.
    """
    return (
        Practice.history.filter(id=practice_id, revision=revision)
        .order_by("-history_date", "-history_id")
        .first()
    )


def practice_as_of(practice_id: int, when: datetime):
    """The practice's history row current at ``when``, or None if it did not exist then."""
    row = _latest_rows_as_of(Practice.history.filter(id=practice_id), when).first()
    return None if row is None or row.history_type == "-" else row


def meeting_window(meeting) -> tuple[datetime, datetime]:
    """When a meeting opened and closed: start of its first day, end of its last (site zone)."""
    tz = timezone.get_current_timezone()
    opened = datetime.combine(meeting.starts_on, datetime.min.time(), tzinfo=tz)
    closed = datetime.combine(meeting.ends_on, datetime.max.time(), tzinfo=tz)
    return opened, closed
