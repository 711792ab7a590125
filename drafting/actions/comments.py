"""Amendments and comments: proposals and discussion attached to the text.

Kept apart from workflow.py, which holds the state machines of sections and
documents: this module is about what experts propose and say, mirroring
models/review.py. The same rules apply to every function here: check who may
(drafting.permissions), check the state (ValidationError in plain words), stamp
history with the user and the reason, then save.

Accepting an amendment never writes the practice itself: it calls the ordinary
service functions (update_practice / create_practice / delete_practice),
so permissions, revision checks and history are exactly those of a direct edit,
with the history naming the proposer and saying who accepted it. If the practice
changed since the revision the amendment was based on, accepting is refused
with AmendmentConflict until the secretariat has seen the current text (the
three-way view) and confirms the text to apply: nothing is silently overwritten."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drafting import permissions
from drafting.history import stamp
from drafting.models import Comment, Practice, Section

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
def add_comment(section: Section, *, by, body: str, practice: Practice | None = None) -> Comment:
    """A comment on a section, or on one of its practices."""
    permissions.refuse_if(permissions.why_cannot_comment(by, section))
    if practice is not None and practice.section_id != section.pk:
        raise ValidationError("That practice is not in this section.")
    comment = Comment(section=section, practice=practice, author=by, body=_clean_comment(body))
    stamp(comment, by=by, reason="Comment added.")
    comment.save()
    return comment


@transaction.atomic
def reply_to_comment(comment: Comment, *, by, body: str) -> Comment:
    """Replies form a flat list under the comment that opened the thread."""
    thread = comment.parent or comment
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
    return reply


def _set_resolved(comment: Comment, *, by, resolved: bool) -> Comment:
    current = (
        Comment.objects.select_for_update().select_related("section__document").get(pk=comment.pk)
    )
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
def resolve_comment(comment: Comment, *, by) -> Comment:
    return _set_resolved(comment, by=by, resolved=True)


@transaction.atomic
def unresolve_comment(comment: Comment, *, by) -> Comment:
    return _set_resolved(comment, by=by, resolved=False)
