"""Silence procedures (issue 15): place a version under silence, break it, conclude or end it.

Each function locks the document first (drafting.actions.base lock order), then the
procedure, checks who (drafting.permissions) and the rule, writes and stamps history.
While a procedure is open the document's ``silence_until`` holds its deadline: the one
freezing rule (permissions.why_frozen_by_silence) refuses every change to the text.

The outcome is derived (drafting.reads.silence.silence_outcome); ``conclude_silence``
only records its consequence — the document moves to final, the version is recorded as
agreed under silence procedure — and is idempotent: the secretariat's button after the
deadline and the periodic sender (drafting.outbox, every pass) may both call it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from drafting import permissions
from drafting.actions.base import DEADLINE_ZONES, _record, lock_document, pk_of
from drafting.actions.notifications import delegation_experts, queue, secretariat
from drafting.history import person, stamp
from drafting.models import (
    Delegation,
    Document,
    Practice,
    SilenceBreak,
    SilenceProcedure,
    Version,
)
from drafting.models.notifications import Kind
from drafting.reads.silence import BROKEN, RUNNING, silence_outcome
from drafting.workflow import DOCUMENT_TRANSITIONS, _check, _document_blockers

log = logging.getLogger(__name__)
D = Document.Status
Closed = SilenceProcedure.Closed


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%d %B %Y, %H:%M} UTC"


def _invited_experts(procedure: SilenceProcedure) -> set[int]:
    ids: set[int] = set()
    for delegation_id in procedure.invited.values_list("pk", flat=True):
        ids.update(delegation_experts(delegation_id))
    return ids


def _lock(procedure: SilenceProcedure | int) -> tuple[Document, SilenceProcedure]:
    """Lock the procedure's document, then the procedure; both re-read."""
    pk = pk_of(procedure)
    document_id = (
        SilenceProcedure.objects.filter(pk=pk).values_list("document_id", flat=True).first()
    )
    if document_id is None:
        raise ValidationError("This silence procedure no longer exists. Nothing was changed.")
    document = lock_document(document_id)
    current = SilenceProcedure.objects.select_for_update().select_related("version").get(pk=pk)
    current.document = document
    return document, current


def _text_changed_since(document: Document, version: Version) -> bool:
    """Whether a practice of ``document`` was changed after ``version`` was named."""
    return Practice.history.filter(
        section_id__in=document.sections.values("pk"), history_date__gt=version.taken_at
    ).exists()


@transaction.atomic
def open_silence(
    document: Document | int,
    *,
    by,
    version: Version | int | None,
    deadline: datetime,
    deadline_zone: str = "UTC",
    invited: Iterable[Delegation | int],
    note: str = "",
    now: datetime | None = None,
) -> SilenceProcedure:
    """The secretariat places ``version`` under silence until ``deadline`` (aware).

    The text must be the version's and ready to be final: a document in review with
    nothing blocking "Mark final", or a final one. Every invited delegation's experts
    and the secretariat are told (SILENCE_OPENED).
    """
    current = lock_document(document)
    permissions.refuse_if(permissions.why_cannot_manage_silence(by, current))
    now = timezone.now() if now is None else now
    if current.silence_until is not None:
        raise ValidationError(
            f"The text is already under silence procedure until {_utc(current.silence_until)}."
        )
    if current.status not in {D.IN_REVIEW, D.FINAL}:
        raise ValidationError(
            f"“{current}” is {current.get_status_display().lower()}; only a document in review "
            "that is ready to be final, or a final one, can be placed under silence procedure."
        )
    if current.status == D.IN_REVIEW:
        blockers = _document_blockers(current, DOCUMENT_TRANSITIONS["finalise"])
        if blockers:
            raise ValidationError(
                ["The text is not ready to be agreed under silence procedure:", *blockers]
            )
    problems = {}
    chosen = None
    if version is not None:
        chosen = Version.objects.filter(pk=pk_of(version), document=current).first()
    if chosen is None:
        problems["version"] = "Choose a named version of this document."
    elif _text_changed_since(current, chosen):
        problems["version"] = (
            f"The text has changed since version “{chosen}” was named; name a version of the "
            "current text and put that one under silence."
        )
    if deadline is None or timezone.is_naive(deadline):
        problems["deadline_date"] = "Give the deadline's date, time and time zone."
    elif deadline <= now:
        problems["deadline_date"] = "The deadline must be in the future."
    if deadline_zone not in DEADLINE_ZONES:  # pages show the deadline in it: a real IANA zone
        problems["deadline_zone"] = "Choose a time zone from the list."
    delegation_ids = {pk_of(d) for d in invited}
    found = set(Delegation.objects.filter(pk__in=delegation_ids).values_list("pk", flat=True))
    if not delegation_ids:
        problems["invited"] = "Invite at least one delegation."
    elif found != delegation_ids:
        problems["invited"] = "One of the chosen delegations no longer exists."
    if problems:
        raise ValidationError(problems)

    procedure = SilenceProcedure(
        document=current,
        version=chosen,
        deadline=deadline,
        deadline_zone=deadline_zone,
        note=note.strip(),
        opened_by=by,
        opened_at=now,
    )
    stamp(procedure, by=by, reason=f"Placed under silence procedure until {_utc(deadline)}.")
    procedure.save()
    procedure.invited.set(sorted(found))
    current.silence_until = deadline
    _record(
        current,
        by=by,
        summary=f"Version “{chosen}” placed under silence procedure until {_utc(deadline)}.",
        reason=note,
    )
    who = person(by).name
    body = (
        f"{who} placed version “{chosen}” of {current} under silence procedure. The text is "
        f"frozen. Unless an invited delegation breaks silence before {_utc(deadline)}, it is "
        "agreed and the document becomes final."
    )
    if procedure.note:
        body += f"\n\n{procedure.note}"
    queue(
        Kind.SILENCE_OPENED,
        _invited_experts(procedure) | set(secretariat()),
        f"Silence procedure until {_utc(deadline)}: {current}",
        body,
        procedure.get_absolute_url(),
        about=f"silence:{procedure.pk}",
        exclude=[by],
    )
    return procedure


@transaction.atomic
def break_silence(
    procedure: SilenceProcedure | int, *, by, reason: str, now: datetime | None = None
) -> SilenceBreak:
    """An expert of an invited delegation breaks silence, with a reason, before the deadline.

    Once per delegation. ``now`` is read inside the transaction (after the locks): a break
    at or after the deadline is refused, whatever the page showed.
    """
    document, current = _lock(procedure)
    invited = set(current.invited.values_list("pk", flat=True))
    permissions.refuse_if(permissions.why_cannot_break_silence(by, document, invited))
    now = timezone.now() if now is None else now
    if current.closed:
        raise ValidationError(f"This silence procedure is closed ({current.get_closed_display()}).")
    if now >= current.deadline:
        raise ValidationError(
            f"The deadline ({_utc(current.deadline)}) has passed: silence can no longer be "
            "broken. Nothing was recorded."
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why your delegation breaks silence."})
    delegation = permissions.delegation_of(by)
    earlier = (
        SilenceBreak.objects.filter(procedure=current, delegation=delegation)
        .select_related("expert")
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            f"{delegation} already broke silence on {_utc(earlier.at)} "
            f"({person(earlier.expert).name}); a delegation breaks it once. Nothing was changed."
        )
    row = SilenceBreak(
        procedure=current, delegation=delegation, expert=by, reason=reason.strip(), at=now
    )
    stamp(row, by=by, reason=f"Silence broken by {delegation}: {row.reason}")
    row.save()
    who = person(by).name
    queue(
        Kind.SILENCE_BROKEN,
        _invited_experts(current) | set(secretariat()),
        f"Silence broken by {delegation}: {document}",
        f"{who} ({delegation}) broke silence on version “{current.version}” of {document}."
        f"\n\nReason:\n{row.reason}",
        current.get_absolute_url(),
        about=f"silence:{current.pk}",
        exclude=[by],
    )
    return row


@transaction.atomic
def conclude_silence(
    procedure: SilenceProcedure | int, now: datetime | None = None, by=None
) -> tuple[SilenceProcedure, bool]:
    """Record that silence held: the version is agreed and the document moves to final.

    Idempotent: a procedure already closed is returned unchanged, ``(procedure, False)``.
    ``by`` is the secretariat officer who pressed the button, or None for the periodic
    sender (history then names nobody and says so). Refused while the deadline has not
    come, and when silence was broken (the secretariat ends the procedure instead).
    """
    document, current = _lock(procedure)
    if by is not None:
        permissions.refuse_if(permissions.why_cannot_manage_silence(by, document))
    if current.closed:
        return current, False
    now = timezone.now() if now is None else now
    outcome = silence_outcome(current, list(current.breaks.all()), now)
    if outcome == RUNNING:
        raise ValidationError(
            f"Silence runs until {_utc(current.deadline)}; it can be concluded after that."
        )
    if outcome == BROKEN:
        raise ValidationError(
            "Silence was broken; the procedure cannot be agreed. End it, and decide the next step."
        )
    # outcome is AGREED from here on
    if document.status not in {D.IN_REVIEW, D.FINAL}:
        raise ValidationError(
            f"“{document}” is {document.get_status_display().lower()}; a silence procedure is "
            "agreed on a document in review or final."
        )
    document.silence_until = None  # the freeze lifts first, or "Mark final" would refuse it
    moved = document.status == D.IN_REVIEW
    if moved:
        transition = DOCUMENT_TRANSITIONS["finalise"]
        _check(document, transition, None, "", lambda: _document_blockers(document, transition))
        document.status = transition.target
    summary = (
        f"Version “{current.version}” agreed under silence procedure (silence unbroken at "
        f"{_utc(current.deadline)})." + (" Marked final." if moved else "")
    )
    system = "" if by is not None else "Recorded by the periodic sender after the deadline."
    _record(document, by=by, summary=summary, reason=system)
    current.closed, current.closed_by, current.closed_at = Closed.AGREED, by, now
    stamp(current, by=by, reason=f"{summary} {system}".strip())
    current.save()
    queue(
        Kind.SILENCE_CONCLUDED,
        _invited_experts(current) | set(secretariat()),
        f"Agreed under silence procedure: {document}",
        f"Nobody broke silence before {_utc(current.deadline)}: version “{current.version}” of "
        f"{document} is agreed under silence procedure and the document is final.",
        current.get_absolute_url(),
        about=f"silence:{current.pk}",
        exclude=[by] if by is not None else [],
    )
    return current, True


@transaction.atomic
def end_silence(
    procedure: SilenceProcedure | int, *, by, note: str, now: datetime | None = None
) -> SilenceProcedure:
    """Silence was broken: the secretariat ends the procedure and the text is unfrozen."""
    document, current = _lock(procedure)
    permissions.refuse_if(permissions.why_cannot_manage_silence(by, document))
    if current.closed:
        raise ValidationError(
            f"This silence procedure is already closed ({current.get_closed_display()})."
        )
    now = timezone.now() if now is None else now
    if silence_outcome(current, list(current.breaks.all()), now) != BROKEN:
        raise ValidationError(
            "Silence has not been broken: the procedure ends by itself at the deadline."
        )
    if not note.strip():
        raise ValidationError({"note": "Say what happens next (shown in the history)."})
    document.silence_until = None
    _record(
        document,
        by=by,
        summary=f"Silence procedure on version “{current.version}” ended after silence was broken:",
        reason=note,
    )
    current.closed, current.closed_by, current.closed_at = Closed.ENDED, by, now
    current.closing_note = note.strip()
    stamp(current, by=by, reason=f"Ended after silence was broken: {note.strip()}")
    current.save()
    queue(
        Kind.SILENCE_CONCLUDED,
        _invited_experts(current) | set(secretariat()),
        f"Silence procedure ended: {document}",
        f"{person(by).name} ended the silence procedure on version “{current.version}” of "
        f"{document} after silence was broken. The text can change again.\n\n{note.strip()}",
        current.get_absolute_url(),
        about=f"silence:{current.pk}",
        exclude=[by],
    )
    return current


def conclude_due(*, now: datetime) -> int:
    """Conclude every open procedure whose deadline has come unbroken; how many were.

    Called by the periodic sender each pass (drafting.outbox.send_due). Each in its own
    transaction; one that cannot be concluded is logged and left for the secretariat.
    """
    counted = SilenceBreak.objects.filter(procedure=OuterRef("pk"), at__lt=OuterRef("deadline"))
    due = (
        SilenceProcedure.objects.filter(closed=Closed.OPEN, deadline__lte=now)
        .exclude(Exists(counted))
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in list(due):
        try:
            _, changed = conclude_silence(pk, now=now)
        except ValidationError as error:
            log.warning("Silence procedure %s not concluded: %s", pk, " ".join(error.messages))
            continue
        done += changed
    return done
