"""What every writer shares: locking and re-reading rows, the stale-revision refusal.

Lock order. Every action takes its row locks in one order, so two actions can
never wait for each other: the document first, then its sections (lowest id
first), then practices, then the rows hanging off them (amendments, comments,
meetings). The document row is the point where all writes to one document meet:
once an action holds it, nobody else can move, approve, add or edit anything in
that document until it commits, so the rules it checks (a section's status, the
order of sections, the document's status) stay true until it has written.

On PostgreSQL the locks are ``SELECT ... FOR UPDATE``; SQLite has no row locks
but its IMMEDIATE transactions (settings.py) let one writer in at a time, which
gives the same guarantee. Either way the rows are read *after* the lock is
taken, so an action never decides on, or saves, a row read before it started.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import Model

from drafting import permissions
from drafting.history import author_of, stamp
from drafting.history.order import last_row
from drafting.models import Amendment, Comment, Document, Practice, Section
from drafting.reads import practice_numbers

# What a refusal calls each kind of row once it has gone.
# The zones a deadline may be given in: pages show the deadline in it, so a real IANA zone
# ("localtime" is the server's own zone file, not a place). Comment periods and silence.
DEADLINE_ZONES = frozenset(zoneinfo.available_timezones() - {"localtime"})

_WHAT = {
    Document: "document",
    Section: "section",
    Practice: "practice",
    Amendment: "amendment",
    Comment: "comment",
}


class StaleRevision(Exception):
    """A change was based on a revision that is no longer current.

    ``current`` is the row as it stands now (re-read under its lock); ``seen``
    the revision the user's page showed, when known. The message says what
    changed and that nothing was written.
    """

    def __init__(self, current: Practice | Section, message: str = "", *, seen: int | None = None):
        super().__init__(
            message
            or f"{current} changed since you started editing (now revision {current.revision})."
        )
        self.current = current
        self.seen = seen


def pk_of(obj: Model | int) -> int:
    """The id of a row given either as an instance or as its id."""
    return obj.pk if isinstance(obj, Model) else int(obj)


def gone(model: type[Model]) -> ValidationError:
    """The refusal for a row deleted after the user's page was shown."""
    what = _WHAT.get(model, model._meta.verbose_name)
    return ValidationError(
        f"This {what} no longer exists: it was deleted after you opened the page. "
        "Nothing was changed."
    )


def lock_document(document: Document | int) -> Document:
    """Lock and re-read a document. Raises ValidationError if it has been deleted."""
    current = Document.objects.select_for_update().filter(pk=pk_of(document)).first()
    if current is None:
        raise gone(Document)
    return current


def lock_sections(document: Document, ids) -> dict[int, Section]:
    """Lock and re-read sections of ``document`` (lowest id first), keyed by id.

    Ids that no longer exist, or belong to another document, are missing from
    the result; each section's ``document`` is the locked ``document``.
    """
    rows = (
        Section.objects.select_for_update()
        .filter(pk__in=set(ids), document=document)
        .order_by("pk")
    )
    found = {s.pk: s for s in rows}
    for section in found.values():
        section.document = document
    return found


def lock_section(section: Section | int) -> Section:
    """Lock a section's document, then the section, and return it re-read.

    Raises ValidationError if the section has been deleted.
    """
    pk = pk_of(section)
    document_id = Section.objects.filter(pk=pk).values_list("document_id", flat=True).first()
    if document_id is None:
        raise gone(Section)
    current = lock_sections(lock_document(document_id), [pk]).get(pk)
    if current is None:
        raise gone(Section)
    return current


def document_of_practice(practice: Practice | int) -> Document:
    """Lock the document a practice belongs to (a practice never leaves its document)."""
    document_id = (
        Practice.objects.filter(pk=pk_of(practice))
        .values_list("section__document_id", flat=True)
        .first()
    )
    if document_id is None:
        raise gone(Practice)
    return lock_document(document_id)


def lock_practices(sections: dict[int, Section], ids) -> dict[int, Practice]:
    """Lock and re-read practices (lowest id first) whose section is among ``sections``.

    Each practice's ``section`` is the locked section; practices elsewhere or
    gone are missing from the result.
    """
    rows = (
        Practice.objects.select_for_update()
        .filter(pk__in=set(ids), section__in=list(sections))
        .order_by("pk")
    )
    found = {p.pk: p for p in rows}
    for practice in found.values():
        practice.section = sections[practice.section_id]
    return found


def lock_practice(practice: Practice | int, *also_sections: int) -> Practice:
    """Lock document, section(s) and practice, in that order; return the practice re-read.

    ``also_sections`` are ids of further sections of the same document to lock
    with its own (a move's target). Raises ValidationError if it has been deleted.
    """
    pk = pk_of(practice)
    document = document_of_practice(pk)
    section_id = Practice.objects.filter(pk=pk).values_list("section_id", flat=True).first()
    if section_id is None:
        raise gone(Practice)
    sections = lock_sections(document, {section_id, *also_sections})
    current = lock_practices(sections, [pk]).get(pk)
    if current is None:
        raise gone(Practice)
    return current


def practice_label(practice: Practice) -> str:
    """ "Good Practice 5" (in the document's label term): the practice's number now."""
    number = practice_numbers(practice.section.document_id).get(practice.pk)
    return practice.section.document.label(number) if number else f"Practice “{practice}”"


def _last_change(obj: Practice | Section) -> str:
    # The database's order, never a host's clock (history/order.py): with clocks
    # skewed between hosts the newest date may not be the last change.
    row = last_row(
        type(obj).history.filter(id=obj.pk).select_related("history_user__profile__delegation")
    )
    if row is None:
        return ""
    reason = (row.history_change_reason or "").strip()
    return f"last changed by {author_of(row)}" + (f" — “{reason}”" if reason else "")


def refuse_if_stale(
    current: Practice | Section,
    seen_revision: int | None,
    *,
    label: str | Callable[[], str],
    undone: str,
) -> None:
    """Refuse a change made from a page showing an older revision than ``current``'s.

    ``seen_revision`` None means the caller saw no page (a script, an import):
    nothing to compare. ``label`` names the row ("Good Practice 5"; a function is
    called only when refusing, as numbering costs a query), ``undone``
    says what did not happen ("nothing was moved").
    """
    if seen_revision is None or current.revision == seen_revision:
        return
    label = label() if callable(label) else label
    change = _last_change(current)
    raise StaleRevision(
        current,
        f"{label} changed since you opened this page (now revision {current.revision}): "
        f"{change + '; ' if change else ''}{undone}. Look at it again and repeat the change "
        "if it still makes sense.",
        seen=seen_revision,
    )


def _require_edit(by, section: Section) -> None:
    reason = permissions.why_cannot_edit_section(by, section)
    permissions.refuse_if(reason)


def _record(obj, *, by, summary: str, reason: str, meeting=None):
    stamp(obj, by=by, reason=f"{summary} {reason.strip()}".strip(), meeting=meeting)
    obj.save()
    return obj
