"""A document's comment threads as one list: document order, current numbers, filters.

The section page shows the threads on its own practices; this is the list across the
whole document (issue 17), for the secretariat preparing a meeting or a delegation
looking for what it said. Threads follow their practice when it moves to another
section, as on the section page (reads.amendments.review_items_for_section).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce

from drafting import history, permissions
from drafting.models import Comment, Document
from drafting.reads.amendments import CommentThread
from drafting.reads.documents import practice_numbers

COMMENTS_PER_PAGE = 25

# The state filter: its value in the URL -> the rows it keeps and its words.
UNRESOLVED, RESOLVED, ALL = "unresolved", "resolved", "all"
STATES = [(UNRESOLVED, "Unresolved"), (RESOLVED, "Resolved"), (ALL, "All")]


@dataclass
class ListedThread(CommentThread):
    """A thread with where it stands now: its practice's number (None: on the section)."""

    number: int | None = None


@dataclass
class CommentList:
    """One page of a document's comment threads and links to the others."""

    threads: list[ListedThread]
    page: Page

    @property
    def page_links(self) -> list[int | str]:
        return history.page_links(self.page)


def _document_order(rows):
    """Threads where their text stands now: section, then the section's own comments before
    its practices' (a section's introduction comes first), practice, then oldest first."""
    return rows.annotate(
        where_section=Coalesce(F("practice__section__position"), F("section__position")),
        where_section_id=Coalesce(F("practice__section_id"), F("section_id")),
    ).order_by(
        "where_section",
        "where_section_id",
        F("practice__position").asc(nulls_first=True),
        "practice_id",
        "created_at",
        "id",
    )


def comment_list(
    document: Document,
    user=None,
    *,
    state: str = UNRESOLVED,
    delegation: str = "",
    page: int | str | None = None,
    per_page: int | None = None,
) -> CommentList:
    """One page of ``document``'s comment threads in document order.

    ``state``: UNRESOLVED, RESOLVED or ALL (a thread's state is its first comment's);
    ``delegation``: a delegation's short code — the threads it started or answered
    (empty: every delegation). ``page`` is what the URL said (not a number: the first
    page; past the end: the last; never an error). Four queries whatever the number
    of threads: the count, the page's threads, their replies, the practice numbers.
    """
    rows = Comment.objects.filter(section__document=document, parent__isnull=True)
    if state == UNRESOLVED:
        rows = rows.filter(resolved=False)
    elif state == RESOLVED:
        rows = rows.filter(resolved=True)
    if delegation:
        answered = Comment.objects.filter(
            parent=OuterRef("pk"), author__profile__delegation__code=delegation
        )
        rows = rows.filter(Q(author__profile__delegation__code=delegation) | Exists(answered))
    rows = _document_order(
        rows.select_related(
            "author__profile__delegation", "resolved_by", "section__document", "practice"
        )
    )
    paginator = Paginator(rows, per_page or COMMENTS_PER_PAGE, allow_empty_first_page=True)
    current = paginator.get_page(page)
    firsts = list(current.object_list)
    threads = {
        c.pk: ListedThread(c, can_resolve=permissions.can_resolve_comment(user, c)) for c in firsts
    }
    if threads:
        replies = (
            Comment.objects.filter(parent_id__in=threads)
            .select_related("author__profile__delegation")
            .order_by("created_at", "id")
        )
        for reply in replies:
            threads[reply.parent_id].replies.append(reply)
        numbers = practice_numbers(document)
        for thread in threads.values():
            thread.number = numbers.get(thread.comment.practice_id)
    return CommentList([threads[c.pk] for c in firsts], current)


def comment_delegations(document: Document) -> list[tuple[str, str]]:
    """(code, name) of every delegation whose experts commented on ``document``, by name.

    One query.
    """
    return list(
        Comment.objects.filter(
            section__document=document, author__profile__delegation__isnull=False
        )
        .order_by("author__profile__delegation__name")
        .values_list("author__profile__delegation__code", "author__profile__delegation__name")
        .distinct()
    )
