"""Document transitions: drafting -> in review -> final -> submitted -> adopted, and back.

Every transition function locks and re-reads the document (drafting.actions.base
lock_document; every writer in a document takes that lock first, so the sections
and amendments a rule counts cannot change until it has written), checks *who*
through drafting.permissions (PermissionDenied, shown as a 403 that says why),
checks the state and its preconditions (ValidationError in words a secretariat
officer understands, e.g. "3 sections are not approved: Detection, Intervention,
Response") and stamps history with the user and the reason before saving. The
document's status is the revision a page shows: a step taken from a stale page
finds the document in another state and is refused in words.
Templates never re-derive these rules: they ask ``available_transitions()``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drafting import permissions
from drafting.actions.base import _record, lock_document, pk_of
from drafting.actions.versions import _save_version
from drafting.models import Document, ReviewMeeting, Version
from drafting.reads.documents import submitted_on
from drafting.workflow import DOCUMENT_TRANSITIONS, _check, _document_blockers, ministerial_meetings


def _document_transition(document: Document | int, name: str, *, by, reason: str) -> Document:
    transition = DOCUMENT_TRANSITIONS[name]
    current = lock_document(document)
    _check(
        current,
        transition,
        permissions.why_cannot_change_lifecycle(by, current),
        reason,
        lambda: _document_blockers(current, transition),
    )
    current.status = transition.target
    return current


@transaction.atomic
def open_document_review(document: Document | int, *, by, reason: str = "") -> Document:
    """The secretariat opens a drafting document for review."""
    current = _document_transition(document, "open-review", by=by, reason=reason)
    return _record(current, by=by, summary="Opened for review.", reason=reason)


@transaction.atomic
def return_document_to_drafting(document: Document | int, *, by, reason: str) -> Document:
    """The secretariat sends a document in review back to drafting; a reason is required."""
    current = _document_transition(document, "return-to-drafting", by=by, reason=reason)
    return _record(current, by=by, summary="Returned to drafting:", reason=reason)


@transaction.atomic
def finalise_document(document: Document | int, *, by, reason: str = "") -> Document:
    """Final: every section approved and no amendment open (the refusal lists what is not)."""
    current = _document_transition(document, "finalise", by=by, reason=reason)
    return _record(current, by=by, summary="Marked final.", reason=reason)


@transaction.atomic
def reopen_document(document: Document | int, *, by, reason: str) -> Document:
    """Back from final to review, so sections can be reopened and amended again."""
    current = _document_transition(document, "reopen", by=by, reason=reason)
    return _record(current, by=by, summary="Returned to review:", reason=reason)


@transaction.atomic
def submit_document(
    document: Document | int, *, by, meeting: ReviewMeeting | int, reason: str = ""
) -> Document:
    """Submit the final text for adoption at one of the document's ministerial plenaries."""
    current = _document_transition(document, "submit", by=by, reason=reason)
    plenaries = {m.pk: m for m in ministerial_meetings(current)}
    if meeting is None or pk_of(meeting) not in plenaries:
        raise ValidationError("Choose one of this document's ministerial plenaries.")
    meeting = plenaries[pk_of(meeting)]
    current.target_meeting = meeting
    return _record(current, by=by, summary=f"Submitted for adoption at {meeting}.", reason=reason)


@transaction.atomic
def withdraw_submission(document: Document | int, *, by, reason: str) -> Document:
    """The secretariat takes a submitted document back to final; a reason is required."""
    current = _document_transition(document, "withdraw-submission", by=by, reason=reason)
    return _record(current, by=by, summary="Withdrawn from adoption:", reason=reason)


@transaction.atomic
def adopt_document(document: Document | int, *, by, adopted_on: date, reason: str = "") -> Document:
    """Record the adoption at the target meeting; from now on nothing can change.

    A version named after the adoption is taken first, so exports and "what changed
    since" can start from the adopted text.
    """
    current = _document_transition(document, "adopt", by=by, reason=reason)
    if adopted_on is None:
        raise ValidationError("Give the date on which the document was adopted.")
    if adopted_on > timezone.localdate():
        raise ValidationError("The adoption date cannot be in the future.")
    submitted = submitted_on(current)
    if submitted is not None and adopted_on < submitted:
        raise ValidationError(
            f"The adoption date cannot precede the submission for adoption "
            f"({submitted.day} {submitted:%B %Y})."
        )
    meeting = current.target_meeting
    name = f"Adopted text — {meeting or adopted_on.isoformat()}"
    if not Version.objects.filter(document=current, name=name).exists():
        _save_version(current, by=by, name=name, note="", meeting=meeting)
    current.adopted_on, current.adopted_at = adopted_on, meeting
    where = f" at {meeting}" if meeting else ""
    return _record(
        current,
        by=by,
        summary=f"Adopted on {adopted_on:%d %B %Y}{where}.",
        reason=reason,
        meeting=meeting,
    )


DOCUMENT_FUNCTIONS: dict[str, Callable[..., Document]] = {
    "open-review": open_document_review,
    "return-to-drafting": return_document_to_drafting,
    "finalise": finalise_document,
    "reopen": reopen_document,
    "submit": submit_document,
    "withdraw-submission": withdraw_submission,
    "adopt": adopt_document,
}
