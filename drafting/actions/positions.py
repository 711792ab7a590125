"""Positions: a delegation states its position on a practice; the secretariat accepts
reservations for the record and records a practice agreed (ad referendum).

Each function runs in one transaction: it locks the document, then the practice
(drafting.actions.base's one lock order), then the position row, re-reads them,
checks permission and the rule (drafting.permissions: only one's own delegation,
nothing once the document is adopted), compares the revision the page showed,
writes and stamps history with the acting user and a reason naming the delegation
and the practice.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from drafting import permissions
from drafting.actions.base import (
    StaleRevision,
    gone,
    lock_practice,
    pk_of,
    practice_label,
    refuse_if_stale,
)
from drafting.history import stamp
from drafting.models import (
    POSITION_TEXT_LIMIT,
    Agreement,
    Delegation,
    Position,
    Practice,
    ReviewMeeting,
)
from drafting.reads.positions import positions_for_section
from drafting.text import validate_markdown

Stance = Position.Stance
# Stances that carry the delegation's own words.
WITH_TEXT = {Stance.RESERVATION, Stance.OBJECTION}


def _clean_text(stance: str, text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if stance not in WITH_TEXT:
        return ""  # support and "no position" carry no statement
    if not text:
        noun = "reservation" if stance == Stance.RESERVATION else "objection"
        raise ValidationError({"text": f"Say what the {noun} is: it is recorded in these words."})
    if "[^" in text:
        # The statement is printed as a footnote itself; a footnote in a footnote is not.
        raise ValidationError({"text": "A statement cannot hold footnotes: it is printed as one."})
    if len(text) > POSITION_TEXT_LIMIT:
        raise ValidationError(
            {"text": f"A statement is limited to {POSITION_TEXT_LIMIT:,} characters."}
        )
    try:
        validate_markdown(text)
    except ValidationError as error:
        raise ValidationError({"text": error.messages}) from None
    return text


def _stale(current: Position, seen: int, practice: Practice, undone: str) -> StaleRevision:
    return StaleRevision(
        current,  # type: ignore[arg-type]  (a position has a revision like a practice)
        f"The position of {current.delegation.name} on {practice_label(practice)} changed "
        f"since you opened this page (it is now “{current.get_stance_display()}”); {undone}. "
        "Look at it again and repeat the change if it still makes sense.",
        seen=seen,
    )


@transaction.atomic
def state_position(
    practice: Practice | int,
    *,
    by,
    delegation: Delegation | int,
    stance: str,
    text: str = "",
    seen_revision: int | None = None,
) -> Position:
    """Record ``delegation``'s position on ``practice``: support, reservation, objection or none.

    ``seen_revision`` is the revision of the position the page showed (0: the page
    showed none yet); None for callers that saw no page (the demo, scripts).
    Changing a reservation the secretariat accepted for the record takes it off
    the record: the secretariat accepted those words, not new ones.
    Returns the position (unchanged, with nothing written, if it already says so).
    Raises PermissionDenied (not the user's delegation, no delegation, observer,
    adopted document), ValidationError (unknown stance, statement missing or too
    long, practice deleted) or StaleRevision (the position changed meanwhile).
    """
    if stance not in Stance.values:
        raise ValidationError({"stance": "Choose support, reservation, objection or no position."})
    current_practice = lock_practice(practice)
    document = current_practice.section.document
    delegation_id = pk_of(delegation)
    permissions.refuse_if(permissions.why_cannot_state_position(by, document, delegation_id))
    text = _clean_text(stance, text)
    position = (
        Position.objects.select_for_update()
        .select_related("delegation")
        .filter(practice=current_practice, delegation_id=delegation_id)
        .first()
    )
    if seen_revision is not None and (position.revision if position else 0) != seen_revision:
        if position is None:
            raise ValidationError(
                "This page showed a position that is not recorded; reload it. Nothing was changed."
            )
        raise _stale(position, seen_revision, current_practice, "your position was not recorded")
    if position is None:
        position = Position(
            practice=current_practice,
            delegation=Delegation.objects.get(pk=delegation_id),
            revision=0,
        )
    elif position.stance == stance and position.text == text:
        return position
    lapses = position.for_the_record
    position.stance, position.text = stance, text
    position.for_the_record = False
    position.revision += 1
    what = Stance(stance).label.lower()
    reason = f"{position.delegation.name}: {what} on {practice_label(current_practice)}."
    if lapses:
        reason += " The reservation accepted for the record was changed, so it is off the record."
    stamp(position, by=by, reason=reason)
    position.save()
    return position


@transaction.atomic
def record_reservation(
    position: Position | int, *, by, on_record: bool = True, seen_revision: int | None = None
) -> Position:
    """The secretariat accepts a reservation for the record (``on_record``) or takes it off.

    A reservation on the record is printed as a footnote to the practice in the
    text and its exports: "The delegation of X reserves its position on this
    practice: …". Raises PermissionDenied (not the secretariat, adopted document),
    ValidationError (the position is no reservation now, or is gone) or
    StaleRevision (the delegation changed its position since the page was shown).
    """
    pk = pk_of(position)
    practice_id = Position.objects.filter(pk=pk).values_list("practice_id", flat=True).first()
    if practice_id is None:
        raise ValidationError("This position no longer exists. Nothing was changed.")
    try:
        practice = lock_practice(practice_id)
    except ValidationError:
        raise gone(Practice) from None
    permissions.refuse_if(permissions.why_cannot_record_reservation(by, practice.section.document))
    current = Position.objects.select_for_update().select_related("delegation").get(pk=pk)
    if seen_revision is not None and current.revision != seen_revision:
        raise _stale(current, seen_revision, practice, "the record was not changed")
    if current.stance != Stance.RESERVATION:
        raise ValidationError(
            f"{current.delegation.name} has no reservation on this practice now "
            f"(“{current.get_stance_display()}”); only a reservation goes on the record."
        )
    if current.for_the_record == on_record:
        return current
    current.for_the_record = on_record
    current.revision += 1
    label = practice_label(practice)
    reason = (
        f"Reservation of {current.delegation.name} on {label} accepted for the record."
        if on_record
        else f"Reservation of {current.delegation.name} on {label} taken off the record."
    )
    stamp(current, by=by, reason=reason)
    current.save()
    return current


@transaction.atomic
def record_agreement(
    practice: Practice | int,
    *,
    by,
    status: str,
    meeting: ReviewMeeting | int | None = None,
    seen_revision: int | None = None,
) -> Agreement:
    """The secretariat records a practice agreed ad referendum, agreed, or not agreed (again).

    The agreement is of the text as the secretariat saw it: ``seen_revision`` is
    the practice's revision on their page (StaleRevision if it was edited since).
    A practice under negotiation (reads.NEGOTIATION_CONDITIONS: an objection, and
    later open brackets) cannot be agreed: ValidationError naming what is open.
    ``meeting`` must be one of the document's. PermissionDenied for anyone but the
    secretariat and on an adopted document.
    """
    if status not in Agreement.Status.values:
        raise ValidationError({"status": "Choose agreed ad referendum, agreed or not agreed."})
    current = lock_practice(practice)
    document = current.section.document
    permissions.refuse_if(permissions.why_cannot_record_agreement(by, document))
    label = practice_label(current)
    refuse_if_stale(current, seen_revision, label=label, undone="its agreement was not recorded")
    meeting_id = pk_of(meeting) if meeting is not None else None
    if meeting_id is not None and not document.meetings.filter(pk=meeting_id).exists():
        raise ValidationError({"meeting": "That meeting is not one of this document's."})
    agreement = Agreement.objects.select_for_update().filter(practice=current).first()
    if status != Agreement.Status.NONE:
        entry = positions_for_section(current.section, by, [current]).get(current.pk)
        open_points = entry.standing.reasons if entry and entry.standing else ()
        if open_points:
            raise ValidationError(
                f"{label} is under negotiation: {' '.join(open_points)} It cannot be recorded "
                f"as {Agreement.Status(status).label.lower()} until that is resolved."
            )
    if agreement is None:
        agreement = Agreement(practice=current, text_revision=current.revision, revision=0)
    elif (
        agreement.status == status
        and agreement.text_revision == current.revision
        and agreement.meeting_id == meeting_id
    ):
        return agreement
    agreement.status = status
    agreement.text_revision = current.revision
    agreement.meeting_id = meeting_id
    agreement.revision += 1
    what = Agreement.Status(status).label.lower()
    reason = f"{label} recorded as {what} (revision {current.revision} of its text)."
    stamp(agreement, by=by, reason=reason, meeting=meeting_id)
    agreement.save()
    return agreement
