"""Positions of ordered rows (sections in a document, practices in a section).

Rows keep gapped integer positions, so placing one row between two others
writes that row only: moving a practice is one recorded change. Only when a gap
is exhausted are the siblings re-spaced, each re-spacing recorded with history."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model

from drafting.history import stamp
from drafting.models import POSITION_STEP


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
