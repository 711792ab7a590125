"""Amendments and comment threads as pages show them, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.safestring import SafeString

from drafting import diff, permissions
from drafting.models import (
    Amendment,
    Comment,
    Document,
    Section,
)

# --- Where an amendment belongs ------------------------------------------------------------


def concerned_section(amendment: Amendment) -> Section:
    """The section an amendment concerns now: a new practice's own, else its practice's.

    A practice can move to another section after an amendment to it was proposed;
    the amendment follows the practice.
    """
    if amendment.kind == Amendment.Kind.NEW or amendment.practice is None:
        return amendment.section
    return amendment.practice.section


def concerning_section(section: Section) -> Q:
    """The filter matching amendments that ``concerned_section()`` puts in ``section``."""
    own = Q(section=section) & (Q(kind=Amendment.Kind.NEW) | Q(practice__isnull=True))
    followed = Q(practice__section=section) & ~Q(kind=Amendment.Kind.NEW)
    return own | followed


# --- Review: amendments, comments and the secretariat's dashboard --------------------------


@dataclass
class AmendmentItem:
    """An amendment with its redline against the current text and what the viewer may do."""

    amendment: Amendment
    heading_redline: SafeString
    body_redline: SafeString
    stale: bool  # the practice changed since the proposal's base revision
    can_withdraw: bool = False
    can_decide: bool = False


@dataclass
class CommentThread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)
    can_resolve: bool = False


@dataclass
class ReviewItems:
    """What the review attaches to one practice (or, under key None, to the section)."""

    amendments: list[AmendmentItem] = field(default_factory=list)
    threads: list[CommentThread] = field(default_factory=list)

    @property
    def unresolved(self) -> int:
        return sum(1 for t in self.threads if not t.comment.resolved)


def amendment_item(amendment: Amendment, user=None) -> AmendmentItem:
    """Redlines against the text as it reads now (``amendment.practice`` must be loaded)."""
    practice, kind = amendment.practice, amendment.kind
    if kind == Amendment.Kind.NEW or practice is None:
        heading, body = diff.practice_redline(
            "", "", amendment.proposed_heading, amendment.proposed_body
        )
    elif kind == Amendment.Kind.DELETE:
        heading, body = diff.practice_redline(practice.heading, practice.body, "", "")
    else:
        heading, body = diff.practice_redline(
            practice.heading, practice.body, amendment.proposed_heading, amendment.proposed_body
        )
    is_open = amendment.status == Amendment.Status.OPEN
    return AmendmentItem(
        amendment=amendment,
        heading_redline=heading,
        body_redline=body,
        stale=(
            kind != Amendment.Kind.NEW
            and practice is not None
            and practice.revision != amendment.base_revision
        ),
        can_withdraw=is_open and permissions.can_withdraw_amendment(user, amendment),
        can_decide=is_open and permissions.can_decide_amendment(user, amendment),
    )


def review_items_for_section(section: Section, user=None) -> dict[int | None, ReviewItems]:
    """Open amendments and comment threads by practice id (None: the section itself).

    Two queries whatever the number of practices, amendments or comments. Items
    follow a practice that moved here from another section. A new-practice
    amendment sits under the practice it is proposed to follow.
    """
    items: dict[int | None, ReviewItems] = {}
    amendments = (
        Amendment.objects.filter(concerning_section(section), status=Amendment.Status.OPEN)
        .select_related("practice", "delegation", "proposed_by", "section__document")
        .order_by("created_at", "id")
    )
    for amendment in amendments:
        key = amendment.practice_id
        if amendment.practice is not None and amendment.practice.section_id != section.pk:
            key = None  # a new practice proposed after one that has since moved away
        items.setdefault(key, ReviewItems()).amendments.append(amendment_item(amendment, user))

    comments = (
        Comment.objects.filter(
            Q(section=section, practice__isnull=True) | Q(practice__section=section)
        )
        .select_related(
            "author__profile__delegation", "resolved_by", "section__document", "on_behalf_of"
        )
        .order_by("created_at", "id")
    )
    threads: dict[int, CommentThread] = {}
    for comment in comments:
        if comment.parent_id is None:
            threads[comment.pk] = thread = CommentThread(
                comment, can_resolve=permissions.can_resolve_comment(user, comment)
            )
            items.setdefault(comment.practice_id, ReviewItems()).threads.append(thread)
        elif comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    return items


def _concerned_section_id(kind: str, section_id: int, practice_section_id: int | None) -> int:
    if kind == Amendment.Kind.NEW or practice_section_id is None:
        return section_id
    return practice_section_id


def open_amendment_counts(document: Document) -> dict[int, int]:
    """Section id -> number of open amendments concerning it. One query."""
    counts: dict[int, int] = {}
    rows = Amendment.objects.filter(
        section__document=document, status=Amendment.Status.OPEN
    ).values_list("kind", "section_id", "practice__section_id")
    for kind, section_id, practice_section_id in rows:
        key = _concerned_section_id(kind, section_id, practice_section_id)
        counts[key] = counts.get(key, 0) + 1
    return counts


def document_order(amendment: Amendment) -> tuple:
    """Sort key placing an amendment where its text stands in the document now.

    By the section it concerns, then the practice it changes or deletes; a new
    practice comes right after the one it is proposed to follow (first in its
    section when it follows none); then oldest first. ``practice__section`` and
    ``section`` must be loaded.
    """
    section = concerned_section(amendment)
    practice = amendment.practice
    if practice is not None and practice.section_id == section.pk:
        where = (practice.position, 1 if amendment.kind == Amendment.Kind.NEW else 0)
    elif amendment.kind == Amendment.Kind.NEW and practice is None:
        where = (float("-inf"), 1)
    else:  # follows a practice that has since moved to another section
        where = (float("inf"), 1)
    return (section.position, *where, amendment.created_at, amendment.pk)


def amendments_for_document(
    document: Document, user=None, *, status: str = "", delegation: str = ""
) -> list[AmendmentItem]:
    """The document's amendments in document order, with redlines against the text now.

    ``status``: one of Amendment.Status (empty: every status); ``delegation``: a
    delegation's short code (empty: every delegation). Two queries: the
    amendments and the practice numbers.
    """
    rows = Amendment.objects.filter(section__document=document).select_related(
        "practice__section", "section__document", "delegation", "proposed_by", "decided_by"
    )
    if status:
        rows = rows.filter(status=status)
    if delegation:
        rows = rows.filter(delegation__code=delegation)
    return [amendment_item(a, user) for a in sorted(rows, key=document_order)]


def amendment_delegations(document: Document) -> list[tuple[str, str]]:
    """(code, name) of every delegation with an amendment on ``document``, by name. One query."""
    return list(
        Amendment.objects.filter(section__document=document)
        .order_by("delegation__name")
        .values_list("delegation__code", "delegation__name")
        .distinct()
    )
