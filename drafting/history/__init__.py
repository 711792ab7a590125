"""History: the backbone of the product.

Every write to a tracked model is preceded by ``stamp()`` (record) so its history
row names the acting user, the reason and the meeting. From the history tables
the application reconstructs the document at any moment (snapshots), the life of
one practice or section (timelines), what changed between two moments
(changes), and parses a moment a person names (points). ``guard`` keeps the
history tables append-only. Callers import from ``drafting.history``.
"""

from drafting.history.changes import (
    ChangeSince,
    DocumentChanges,
    SectionChanges,
    changes_between,
    changes_since,
    compare_snapshots,
)
from drafting.history.points import meeting_window
from drafting.history.record import Author, author_of, stamp
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
    SectionHistory,
    practice_history,
    section_history,
)

__all__ = [
    "Author",
    "ChangeSince",
    "DocumentChanges",
    "DocumentSnapshot",
    "PracticeHistory",
    "PracticeSnapshot",
    "SectionChanges",
    "SectionHistory",
    "SectionSnapshot",
    "author_of",
    "changes_between",
    "changes_since",
    "compare_snapshots",
    "document_as_of",
    "document_now",
    "latest_rows_as_of",
    "meeting_window",
    "practice_as_of",
    "practice_at_revision",
    "practice_history",
    "section_history",
    "snapshot_or_empty",
    "stamp",
]
