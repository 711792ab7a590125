"""Comments: discussion on a section or one of its practices, and its resolution.

Each function locks the document first (drafting.actions.base), so the rule it
checks (the document is not adopted, the practice is in the section) holds
until it has written; then it re-reads the rows it needs, stamps history with
the user and the reason, and saves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drafting import permissions
from drafting.actions import notifications as notify
from drafting.actions.base import gone, lock_document, lock_practices, lock_section, pk_of
from drafting.history import stamp
from drafting.models import Comment, Delegation, Practice, Section

COMMENT_LIMIT = 10_000


# --- Comments -------------------------------------------------------------------------------


def _clean_comment(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError("Write something first.")
    if len(body) > COMMENT_LIMIT:
        raise ValidationError(f"A comment is limited to {COMMENT_LIMIT:,} characters.")
    return body


@transaction.atomic
def add_comment(
    section: Section | int,
    *,
    by,
    body: str,
    practice: Practice | int | None = None,
    word_author: str = "",
    on_behalf_of: Delegation | None = None,
    reason: str = "",
    period=None,
    now=None,
) -> Comment:
    """A comment on a section, or on one of its practices.

    ``word_author``: the author a Word comment named (an import brings it in);
    ``on_behalf_of``: the delegation that author was mapped to, which the comment
    then speaks for, with ``by`` (the secretariat) recorded as who imported it.
    ``period``: sent in during that comment period, on its version's text (the
    period's rules: drafting.actions.periods.check_submission; ``now`` decides
    whether it is late).
    Refused (PermissionDenied) for observers and in an adopted document, and
    unless ``by`` may import drafts when ``on_behalf_of`` is given;
    (ValidationError) if the practice is no longer in the section.
    """
    section = lock_section(section)
    permissions.refuse_if(permissions.why_cannot_comment(by, section))
    late, version = False, None
    if period is not None:
        from drafting.actions import periods  # periods builds on this module

        period, late = periods.check_submission(period, by=by, document=section.document, now=now)
        version = period.version
    if practice is not None:
        practice = lock_practices({section.pk: section}, [pk_of(practice)]).get(pk_of(practice))
        if practice is None:
            raise ValidationError(
                "That practice is not in this section (it may have been moved or deleted)."
            )
    if on_behalf_of is not None:
        # Speaking for another delegation is the import's privilege, not a commenter's.
        permissions.refuse_if(permissions.why_cannot_import_document(by))
    comment = Comment(
        section=section,
        practice=practice,
        author=by,
        body=_clean_comment(body),
        word_author=" ".join((word_author or "").split())[:200],
        on_behalf_of=on_behalf_of,
        period=period,
        version=version,
        late=late,
    )
    if period is not None and practice is not None:
        periods.circulated_practice(period, practice.pk)
    what = "Late comment" if late else "Comment"
    where = f" in the comment period on “{version}”" if version else ""
    stamp(comment, by=by, reason=reason or f"{what} added{where}.")
    comment.save()
    notify.comment_posted(comment, by=by)
    return comment


@transaction.atomic
def reply_to_comment(comment: Comment | int, *, by, body: str) -> Comment:
    """Replies form a flat list under the comment that opened the thread."""
    comment = _locked(comment)
    thread = comment if comment.parent_id is None else _locked(comment.parent_id)
    permissions.refuse_if(permissions.why_cannot_comment(by, thread.section))
    reply = Comment(
        section_id=thread.section_id,
        practice_id=thread.practice_id,
        parent=thread,
        author=by,
        body=_clean_comment(body),
    )
    stamp(reply, by=by, reason=f"Reply to comment #{thread.pk}.")
    reply.save()
    reply.section = thread.section  # the locked section, with its document
    notify.comment_posted(reply, by=by)
    return reply


def _locked(comment: Comment | int) -> Comment:
    """Lock the comment's document, then the comment; return it re-read."""
    pk = pk_of(comment)
    document_id = (
        Comment.objects.filter(pk=pk).values_list("section__document_id", flat=True).first()
    )
    if document_id is None:
        raise gone(Comment)
    document = lock_document(document_id)
    current = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("section")
        .filter(pk=pk)
        .first()
    )
    if current is None:
        raise gone(Comment)
    current.section.document = document
    return current


def _set_resolved(comment: Comment | int, *, by, resolved: bool) -> Comment:
    current = _locked(comment)
    permissions.refuse_if(permissions.why_cannot_resolve_comment(by, current))
    if current.parent_id is not None:
        raise ValidationError("Resolve the thread, not a single reply.")
    if current.resolved == resolved:
        return current
    current.resolved = resolved
    current.resolved_by, current.resolved_at = (by, timezone.now()) if resolved else (None, None)
    stamp(current, by=by, reason="Marked resolved." if resolved else "Reopened.")
    current.save()
    return current


@transaction.atomic
def resolve_comment(comment: Comment | int, *, by) -> Comment:
    """Mark a thread resolved (the secretariat, or the comment's author)."""
    return _set_resolved(comment, by=by, resolved=True)


@transaction.atomic
def unresolve_comment(comment: Comment | int, *, by) -> Comment:
    """Reopen a resolved thread (the secretariat, or the comment's author)."""
    return _set_resolved(comment, by=by, resolved=False)
