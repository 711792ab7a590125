"""The one order of history: which change came after which, and what "as of T" means.

Every question about order goes through this module (the rule is stated in
``drafting.history``'s docstring):

- ``history_id`` orders the changes of one table. The database hands ids out in
  the order rows are written, whatever the clock of the application process
  that wrote them says; ``history_date`` is that process's clock (or a
  back-dated import's) and is only ever *shown* or compared with a moment a
  person names.
- "As of a moment T" is, for each object, the row with the largest
  ``history_id`` among its rows dated at or before T. With dates that grow with
  ids (one clock, or the demo's back-dated script written in order) this is
  exactly "rows dated at or before T"; when clocks disagree, an object never
  comes back as an older revision while a newer one dated <= T exists, and equal
  dates are settled by the database's order.
- "Now" and "latest" never look at a date: the largest ``history_id``.
- Rows of *different* tables (a section and a practice) have no common
  counter; they are interleaved by date, each table keeping its own id order
  (``interleave``).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.db.models import Max, QuerySet

T = TypeVar("T")

# Oldest first / newest first, for every read of history rows.
OLDEST_FIRST = ("history_id",)
NEWEST_FIRST = ("-history_id",)

# The finest step of a stored history_date (PostgreSQL and SQLite keep microseconds).
RESOLUTION = timedelta(microseconds=1)


def instant_before(moment: datetime) -> datetime:
    """The last representable moment before ``moment``: "as of" it excludes changes at ``moment``.

    Half-open windows ([opened, closed) for meetings) need the state just before
    a boundary; history dates are stored to the microsecond, so this is exact.
    Computed in UTC: on a local datetime Python subtracts by the wall clock, which
    is wrong next to a change of summer time.
    """
    return moment.astimezone(UTC) - RESOLUTION


def rows_as_of(history: QuerySet, when: datetime | None = None) -> QuerySet:
    """For each object in ``history`` (a history QuerySet), its row current at ``when``.

    Of each object's rows dated at or before ``when``, the one with the largest
    history_id; ``when=None`` means now: each object's latest row. Deleted objects
    keep their "-" row: callers skip ``history_type == "-"``. One query when
    evaluated (the ranking is a subquery).
    """
    rows = history.order_by()
    if when is not None:
        rows = rows.filter(history_date__lte=when)
    return _latest_per_object(history, rows)


def rows_through(history: QuerySet, history_id: int) -> QuerySet:
    """For each object in ``history``, its latest row at or before row ``history_id`` of that table.

    "As it stood when that change was made": an exact cut, no date involved.
    """
    return _latest_per_object(history, history.order_by().filter(history_id__lte=history_id))


def _latest_per_object(history: QuerySet, rows: QuerySet) -> QuerySet:
    # Ranks narrow rows (ids only); full rows, texts included, are fetched for the
    # winners. Ranking whole rows made the database sort every body of a long history.
    latest = rows.values("id").annotate(_last=Max("history_id")).values("_last")
    return history.filter(history_id__in=latest)


def oldest_first(history: QuerySet) -> QuerySet:
    """``history`` in the order the changes were made."""
    return history.order_by(*OLDEST_FIRST)


def newest_first(history: QuerySet) -> QuerySet:
    """``history`` latest change first."""
    return history.order_by(*NEWEST_FIRST)


def last_row(history: QuerySet) -> Any | None:
    """The latest row of ``history`` (the change that wrote the current state), or None."""
    return newest_first(history).first()


def interleave(
    *streams: Iterable[T],
    when: Callable[[T], datetime] = lambda row: row.history_date,
    newest_first: bool = False,
) -> Iterator[T]:
    """Rows of several tables as one timeline: by date between tables, never reordered within one.

    Each stream must already be in its table's order (by history_id, or the
    reverse with ``newest_first``). Only the heads of the streams are compared,
    so a row whose clock ran behind stays after the rows written before it. On
    equal dates the earlier stream comes first (pass sections before practices:
    a section is created before the practices put in it).
    """
    return heapq.merge(*streams, key=when, reverse=newest_first)
