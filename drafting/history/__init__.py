"""History: the backbone of the product.

Every write to a tracked model is preceded by ``stamp()`` (record) so its history
row names the acting user, the reason and the meeting. From the history tables
the application reconstructs the document at any moment (snapshots), the life of
one practice or section (timelines), what changed between two moments
(changes), and parses a moment a person names (points). ``guard`` keeps the
history tables append-only. Callers import from ``drafting.history``.

The one order of history (``order``; every page, export, meeting, conflict
message and presence report follows it):

1. ``history_id`` is the order of changes within a history table. It is handed
   out by the database as rows are written, so it does not depend on the clock
   of the application process that wrote the row, and it has no ties.
   ``history_date`` is that process's clock (or an import's back-dated time): it
   is shown to people and used for nothing else but rule 3.
2. "Latest" (the current text, the last editor, who changed it since my form
   was opened) is always the row with the largest ``history_id``; "now" reads no
   date at all.
3. "As of a moment T" (a version's ``taken_at``, a date typed by a person, the
   instant before a meeting opened) is, for each object, the row with the
   largest ``history_id`` among its rows dated at or before T. When dates grow
   with ids this is exactly "rows dated at or before T"; when clocks disagree an
   object never comes back as an older revision while a newer one dated <= T
   exists, and equal dates are settled by the database's order. (A table-wide
   cut, "every row up to the last id dated <= T", was tried and rejected: one
   back-dated row written late — an import, the benchmark's second document —
   pulled every later change of every other document into old moments.)
4. Rows of different tables (sections and practices) share no counter: a
   timeline interleaves them by date, keeping each table's id order.
5. Local days (meeting windows, "since 2018-06-25") are half-open intervals
   [first instant of the day, first instant of the next day), computed with
   zoneinfo (points.day_start), so days of 23 or 25 hours and days that start at
   01:00 come out right.

The demo loader and the benchmarks back-date rows with ``stamp(when=...)``; they
write each object's rows in chronological order, so id order and date order
agree there.
"""

from drafting.history.changes import (
    ChangeSince,
    DocumentChanges,
    Moves,
    SectionChanges,
    changes_between,
    changes_since,
    compare_snapshots,
    detect_moves,
    gone_after_survivors,
)
from drafting.history.order import (
    instant_before,
    interleave,
    last_row,
    newest_first,
    oldest_first,
    rows_through,
)
from drafting.history.points import day_after, day_start, meeting_window, parse_datetime
from drafting.history.record import Author, author_of, person, stamp
from drafting.history.snapshots import (
    DocumentSnapshot,
    PracticeSnapshot,
    SectionSnapshot,
    document_as_of,
    document_now,
    latest_rows_as_of,
    practice_as_of,
    practice_at_revision,
    snapshot_or_empty,
)
from drafting.history.timelines import (
    PracticeHistory,
    RevisionPage,
    SectionHistory,
    page_links,
    practice_history,
    practice_revisions,
    section_history,
)

__all__ = [
    "Author",
    "ChangeSince",
    "DocumentChanges",
    "DocumentSnapshot",
    "Moves",
    "PracticeHistory",
    "PracticeSnapshot",
    "RevisionPage",
    "SectionChanges",
    "SectionHistory",
    "SectionSnapshot",
    "author_of",
    "changes_between",
    "changes_since",
    "compare_snapshots",
    "day_after",
    "day_start",
    "detect_moves",
    "page_links",
    "practice_revisions",
    "document_as_of",
    "document_now",
    "gone_after_survivors",
    "instant_before",
    "interleave",
    "last_row",
    "latest_rows_as_of",
    "meeting_window",
    "newest_first",
    "oldest_first",
    "parse_datetime",
    "person",
    "practice_as_of",
    "practice_at_revision",
    "practice_history",
    "rows_through",
    "section_history",
    "snapshot_or_empty",
    "stamp",
]
