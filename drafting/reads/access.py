"""Access helpers: the one way a view gets the thing a page is about.

Reads check roles as writes do. Each ``<noun>_for(user, ...)`` fetches one row,
with what its pages need joined in the same query, and answers for the user:

- the row, if it exists and ``rule(user, its document)`` gives no reason;
- ``Http404`` if there is no such row (the 404 page);
- ``PermissionDenied`` carrying the rule's words otherwise (the 403 page that
  says why; an anonymous visitor is sent to the login page instead, see
  drafting.views.errors.permission_denied).

``rule`` is one of the read rules of drafting.permissions, each taking
``(user, document)``: ``why_cannot_view_document`` (the current text: every
drafting role, and everyone once the document is adopted),
``why_cannot_view_review`` (amendments, comments, meetings, versions, the
dashboard, the Deleted page) and ``why_cannot_export_history`` (history
pages, redlines and past texts). Each helper defaults to its noun's rule;
a page that shows more passes the stricter one. What a page does beyond
reading (editing, deciding) the view checks next with
``permissions.refuse_if(permissions.why_cannot_<verb>(user, obj))``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from drafting import permissions
from drafting.models import (
    AdoptionPackage,
    Amendment,
    Comment,
    Deletion,
    Document,
    Position,
    Practice,
    ReviewMeeting,
    Section,
    Version,
)

Rule = Callable[[object, Document], "str | None"]
T = TypeVar("T", bound=Model)

# What the header, contents and lifecycle parts of a document's pages read.
DOCUMENT_RELATED = ("working_group", "implementing_partner", "target_meeting", "adopted_at")


def _fetch(
    user, queryset: QuerySet[T], document_of: Callable[[T], Document], rule: Rule, **lookup
) -> T:
    """``queryset.get(**lookup)`` or 404, then 403 with ``rule``'s reason if it gives one."""
    found = get_object_or_404(queryset, **lookup)
    permissions.refuse_if(rule(user, document_of(found)))
    return found


def document_for(
    user,
    slug: str | None = None,
    *,
    pk: int | None = None,
    rule: Rule = permissions.why_cannot_view_document,
) -> Document:
    """The document with ``slug`` (or id ``pk``, for pages reached from history rows).

    Raises Http404 when there is none (or neither is given), PermissionDenied when
    ``rule`` refuses ``user``.
    """
    if slug is None and pk is None:
        raise Http404("No such document.")
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    queryset = Document.objects.select_related(*DOCUMENT_RELATED)
    return _fetch(user, queryset, lambda d: d, rule, **lookup)


def section_for(user, pk: int, *, rule: Rule = permissions.why_cannot_view_document) -> Section:
    """The section ``pk`` with its document; Http404 / PermissionDenied as above."""
    queryset = Section.objects.select_related("document")
    return _fetch(user, queryset, lambda s: s.document, rule, pk=pk)


def practice_for(user, pk: int, *, rule: Rule = permissions.why_cannot_view_document) -> Practice:
    """The practice ``pk`` with its section and document; Http404 / PermissionDenied as above."""
    queryset = Practice.objects.select_related("section__document")
    return _fetch(user, queryset, lambda p: p.section.document, rule, pk=pk)


def meeting_for(
    user,
    pk: int | str,
    *,
    document: Document | None = None,
    rule: Rule = permissions.why_cannot_view_review,
) -> ReviewMeeting:
    """The meeting ``pk`` (of ``document``, when given) with its document.

    A meeting's page shows the draft as it stood, redlines, comments and decisions:
    the review, so role holders only by default.
    """
    queryset = ReviewMeeting.objects.select_related("document")
    if document is not None:
        queryset = queryset.filter(document=document)
    return _fetch(user, queryset, lambda m: m.document, rule, pk=pk)


def amendment_for(user, pk: int, *, rule: Rule = permissions.why_cannot_view_review) -> Amendment:
    """The amendment ``pk`` with everything its detail and decision pages show."""
    queryset = Amendment.objects.select_related(
        "section__document",
        "practice__section",
        "delegation",
        "proposed_by",
        "decided_by",
        "decided_at_meeting",
    )
    return _fetch(user, queryset, lambda a: a.section.document, rule, pk=pk)


def comment_for(user, pk: int, *, rule: Rule = permissions.why_cannot_view_review) -> Comment:
    """The comment ``pk`` with its section, document and the comment it answers."""
    queryset = Comment.objects.select_related("section__document", "parent")
    return _fetch(user, queryset, lambda c: c.section.document, rule, pk=pk)


def version_for(
    user,
    pk: int | str,
    *,
    document: Document | None = None,
    rule: Rule = permissions.why_cannot_export_history,
) -> Version:
    """The named version ``pk`` (of ``document``, when given): a past text, so history's rule."""
    queryset = Version.objects.select_related("document")
    if document is not None:
        queryset = queryset.filter(document=document)
    return _fetch(user, queryset, lambda v: v.document, rule, pk=pk)


def deletion_for(user, pk: int, *, rule: Rule = permissions.why_cannot_view_review) -> Deletion:
    """The deletion ``pk`` (an entry of a document's Deleted page) with its document."""
    queryset = Deletion.objects.select_related("document")
    return _fetch(user, queryset, lambda d: d.document, rule, pk=pk)


def position_for(user, pk: int, *, rule: Rule = permissions.why_cannot_view_positions) -> Position:
    """A delegation's position ``pk`` with its practice, section, document and delegation."""
    queryset = Position.objects.select_related("practice__section__document", "delegation")
    return _fetch(user, queryset, lambda p: p.practice.section.document, rule, pk=pk)


def package_for(
    user,
    pk: int,
    *,
    document: Document,
    rule: Rule = permissions.why_cannot_export_history,
) -> AdoptionPackage:
    """The adoption package ``pk`` of ``document``: it holds the redline and the record of
    who did what, so history's rule (every drafting role, observers included)."""
    queryset = AdoptionPackage.objects.select_related("document").filter(document=document)
    return _fetch(user, queryset, lambda p: p.document, rule, pk=pk)


def silence_for(user, pk: int, *, rule: Rule = permissions.why_cannot_view_review):
    """The silence procedure ``pk`` with its document and version (issue 15): the review's rule."""
    from drafting.models import SilenceProcedure

    queryset = SilenceProcedure.objects.select_related("document", "version")
    return _fetch(user, queryset, lambda p: p.document, rule, pk=pk)
