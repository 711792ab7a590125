"""Positions of ordered rows (sections in a document, practices in a section).

Rows keep gapped integer positions, so placing one row between two others
writes that row only: moving a practice is one recorded change. Only when a gap
is exhausted are the siblings re-spaced, each re-spacing recorded with history."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Max, Model

from drafting import numbering
from drafting.history import stamp
from drafting.models import POSITION_STEP, Document, Practice, Section


def position_after(
    siblings: Sequence[Model], after: Model | None, *, by, first: bool = False
) -> int:
    """A position for a row placed right after ``after`` among ``siblings``.

    ``siblings`` are the other rows in order (without the row being placed).
    ``after=None`` means at the end, unless ``first`` is set (then at the start).
    """
    ordered = list(siblings)
    if first:
        index = 0
    elif after is None:
        index = len(ordered)
    else:
        index = next(i for i, row in enumerate(ordered) if row.pk == after.pk) + 1
    low = ordered[index - 1].position if index > 0 else 0
    high = ordered[index].position if index < len(ordered) else low + 2 * POSITION_STEP
    if high - low < 2:
        _respace(ordered, by=by)
        return position_after(ordered, after, by=by, first=first)
    return (low + high) // 2


def _respace(rows: list[Model], *, by) -> None:
    for i, row in enumerate(rows, start=1):
        row.position = i * POSITION_STEP
        stamp(row, by=by, reason="Positions re-spaced; order unchanged.")
        row.save(update_fields=["position"])


# --- Kept labels under the "keep numbers" rule (drafting.numbering) ---------------------


def practices_in_document_order(document_id: int, *, lock: bool = False) -> list[Model]:
    """The document's practices in reading order (sections, then positions): one query."""
    rows = (
        Practice.objects.filter(section__document=document_id)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )
    return list(rows.select_for_update(of=("self",)) if lock else rows)


def _taken_suffixes(document: Document, number: int) -> set[int]:
    """Suffixes used for ``number``: by present practices and by practices deleted since the
    numbers were last made continuous (a deletion leaves a gap; its label is not reused)."""
    present = Practice.objects.filter(section__document=document, kept_number=number)
    gone = Practice.history.filter(
        history_type="-",
        kept_number=number,
        section_id__in=Section.history.filter(document_id=document.pk).values("id"),
    )
    if document.renumbered_after is not None:
        gone = gone.filter(history_id__gt=document.renumbered_after)
    return set(present.values_list("kept_suffix", flat=True)) | set(
        gone.values_list("kept_suffix", flat=True)
    )


def _next_number(document: Document) -> int:
    """The number after every one used: by present practices and by those deleted since the
    numbers were last made continuous (a gap stays a gap). The first number if none."""
    present = Practice.objects.filter(section__document=document).aggregate(n=Max("kept_number"))
    gone = Practice.history.filter(
        history_type="-",
        section_id__in=Section.history.filter(document_id=document.pk).values("id"),
    )
    if document.renumbered_after is not None:
        gone = gone.filter(history_id__gt=document.renumbered_after)
    used = [n for n in (present["n"], gone.aggregate(n=Max("kept_number"))["n"]) if n is not None]
    return max(used) + 1 if used else document.first_number


def give_kept_label(
    practice: Model, document: Document, *, wanted: tuple[int, int] | None = None
) -> None:
    """Set the label ``practice`` holds under keep numbers, before it is saved (no save here).

    For a practice being added or restored at its place (section and position set).
    ``wanted``: the label it should have (an imported "7 bis", a restored practice's
    own) — kept when no other practice holds it and it does not break the order of
    the labels around it. Otherwise: added at the end of the document, the number
    after every number used (13 after 12; 14 if 13 was deleted: a gap is not
    reused); anywhere else, the label of an insertion after the practice before it
    (drafting.numbering.label_for_insertion: "7 bis" after 7, "0 bis" before the
    first). Under the continuous rule nothing is set. Two to four queries.
    """
    if document.numbering != numbering.KEEP:
        return
    section = practice.section
    here = (section.position, section.pk, practice.position, practice.pk or 1 << 62)
    others = [p for p in practices_in_document_order(document.pk) if p.pk != practice.pk]
    labels = [
        (p.kept_number if p.kept_number is not None else n, p.kept_suffix)
        for n, p in enumerate(others, start=document.first_number)
    ]
    keys = [(p.section.position, p.section_id, p.position, p.pk) for p in others]
    index = sum(1 for key in keys if key < here)
    before = labels[index - 1] if index > 0 else None
    after = labels[index] if index < len(labels) else None
    free = wanted is not None and wanted not in labels
    if free and (before is None or before < wanted) and (after is None or wanted < after):
        practice.kept_number, practice.kept_suffix = wanted
        return
    if after is None:
        # Added at the end: the next number, as nothing after it needs a stable reference.
        practice.kept_number, practice.kept_suffix = _next_number(document), 0
        return
    practice.kept_number, practice.kept_suffix = numbering.label_for_insertion(
        before, document.first_number, lambda n: _taken_suffixes(document, n)
    )


def freeze_numbers(document: Document, *, by, reason: str) -> list[tuple[str, int]]:
    """Give every practice of ``document`` its continuous number as its kept label.

    For Renumber now and for a document switching to keep numbers (or to another
    first number under it). Locks the practices; writes, each with history naming
    ``by`` and ``reason``, only those whose label changes; sets (unsaved)
    ``document.renumbered_after`` so gaps left before this point close. Returns
    (old label, new number) of the practices relabelled, in order.
    """
    changed = []
    practices = practices_in_document_order(document.pk, lock=True)
    for n, practice in enumerate(practices, start=document.first_number):
        if (practice.kept_number, practice.kept_suffix) == (n, 0):
            continue
        old = numbering.kept_label(practice.kept_number or n, practice.kept_suffix)
        practice.kept_number, practice.kept_suffix = n, 0
        stamp(practice, by=by, reason=reason)
        practice.save(update_fields=["kept_number", "kept_suffix"])
        changed.append((old, n))
    last = Practice.history.order_by("-history_id").values_list("history_id", flat=True).first()
    document.renumbered_after = last
    return changed
