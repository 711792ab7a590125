"""Comment periods (issue 15): opening one on a named version, checking what is sent in
during it, the secretariat's dispositions, and the 48-hours-before reminder.

Submissions themselves are written by the ordinary actions (add_comment,
propose_change) given ``period=``: they call ``check_submission`` under their own
locks, so a period's rules hold for every way a comment or an amendment arrives.
Lock order as everywhere (drafting.actions.base): the document, then the period,
then the rows hanging off it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from drafting import permissions
from drafting.actions import notifications as notify
from drafting.actions.base import DEADLINE_ZONES, StaleRevision, gone, lock_document, pk_of
from drafting.history import person, stamp
from drafting.history.snapshots import practice_as_of
from drafting.models import (
    Amendment,
    Comment,
    CommentPeriod,
    Delegation,
    Disposition,
    Document,
    ReviewMeeting,
    Version,
)
from drafting.models.notifications import Kind

INSTRUCTIONS_LIMIT = 20_000
NOTE_LIMIT = 10_000
# The reminder goes out this long before the deadline.
REMINDER_BEFORE = timedelta(hours=48)
Outcome = Disposition.Outcome


def lock_period(period: CommentPeriod | int, document: Document | None = None) -> CommentPeriod:
    """Lock the period's document (unless the caller holds it), then the period; re-read."""
    pk = pk_of(period)
    document_id = CommentPeriod.objects.filter(pk=pk).values_list("document_id", flat=True).first()
    if document_id is None:
        raise ValidationError("This comment period no longer exists. Nothing was changed.")
    if document is None or document.pk != document_id:
        if document is not None:
            raise ValidationError("That comment period belongs to another document.")
        document = lock_document(document_id)
    current = (
        CommentPeriod.objects.select_for_update(of=("self",)).select_related("version").get(pk=pk)
    )
    current.document = document
    return current


@transaction.atomic
def open_period(
    document: Document | int,
    *,
    by,
    version: Version | int,
    deadline: datetime,
    invited: Iterable[Delegation | int],
    instructions: str = "",
    allow_late: bool = False,
    anonymise: bool = False,
    deadline_zone: str = "UTC",
    now: datetime | None = None,
) -> CommentPeriod:
    """Circulate ``version`` to the ``invited`` delegations for comments until ``deadline``.

    Refused (PermissionDenied) unless ``by`` is the secretariat and the document is
    not adopted; (ValidationError, keyed by field) for a version of another document,
    a deadline not in the future, no delegation invited, or instructions too long.
    Their experts are notified (PERIOD_OPENED) in this transaction.
    """
    now = now or timezone.now()
    document = lock_document(document)
    permissions.refuse_if(permissions.why_cannot_open_period(by, document))
    errors: dict[str, str] = {}
    found = Version.objects.filter(pk=pk_of(version), document=document).first()
    if found is None:
        errors["version"] = "Choose a named version of this document."
    if deadline.tzinfo is None:
        errors["deadline"] = "Give the deadline with its time zone."
    elif deadline <= now:
        errors["deadline"] = "The deadline must be in the future."
    if deadline_zone not in DEADLINE_ZONES:  # pages show the deadline in it: a real IANA zone
        errors["deadline_zone"] = "Choose a time zone from the list."
    ids = {pk_of(d) for d in invited}
    delegations = list(Delegation.objects.filter(pk__in=ids))
    if not delegations or len(delegations) != len(ids):
        errors["invited"] = "Invite at least one delegation (from the list)."
    instructions = (instructions or "").replace("\r\n", "\n").strip()
    if len(instructions) > INSTRUCTIONS_LIMIT:
        errors["instructions"] = f"Keep instructions to {INSTRUCTIONS_LIMIT:,} characters."
    if errors:
        raise ValidationError(errors)
    # Stored and told in UTC: a deadline typed in Brussels must not read "17:00 UTC".
    deadline = deadline.astimezone(UTC)
    period = CommentPeriod(
        document=document,
        version=found,
        deadline=deadline,
        deadline_zone=deadline_zone,
        instructions=instructions,
        allow_late=allow_late,
        anonymise=anonymise,
        opened_by=by,
        opened_at=now,
    )
    period.full_clean(exclude=["invited"])
    stamp(period, by=by, reason=f"Comment period opened on “{found.name}”.")
    period.save()
    period.invited.set(delegations)
    recipients = [u for d in delegations for u in notify.delegation_experts(d.pk)]
    notify.queue(
        Kind.PERIOD_OPENED,
        recipients,
        f"Comment period opened: {document.short_title or document.title}",
        f"{person(by).name} circulated “{found.name}” of {document.title} for comments. "
        f"Deadline: {deadline:%d %B %Y %H:%M} UTC.",
        period.get_absolute_url(),
        about=f"period:{period.pk}",
        exclude=[by],
    )
    return period


def check_submission(period: CommentPeriod | int, *, by, document: Document, now=None):
    """Lock ``period`` (of ``document``, already locked) and check ``by`` may send in to it.

    Returns (period, late). Refused (PermissionDenied) for a delegation not invited
    or after the deadline unless late ones are allowed; (ValidationError) for a
    period of another document. Called by add_comment and propose_change.
    """
    period = lock_period(period, document)
    now = now or timezone.now()
    permissions.refuse_if(permissions.why_cannot_submit_to_period(by, period, now=now))
    return period, now >= period.deadline


def circulated_practice(period: CommentPeriod, practice_id: int):
    """The practice's history row in the period's version (ValidationError if not in it)."""
    row = practice_as_of(practice_id, period.version.taken_at)
    if row is None:
        raise ValidationError(
            "That practice is not in the circulated version; comment on the version's text."
        )
    return row


@transaction.atomic
def toggle_anonymise(period: CommentPeriod | int, *, by, anonymise: bool) -> CommentPeriod:
    """The secretariat chooses whether the compilation names delegations or letters them."""
    period = lock_period(period)
    permissions.refuse_if(permissions.why_cannot_open_period(by, period.document))
    if period.anonymise != anonymise:
        period.anonymise = anonymise
        stamp(
            period,
            by=by,
            reason="Compilation anonymised." if anonymise else "Compilation attributed.",
        )
        period.save()
    return period


# --- Dispositions ----------------------------------------------------------------------------


def _clean_note(note: str) -> str:
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationError({"note": f"Keep the note to {NOTE_LIMIT:,} characters."})
    return note


@transaction.atomic
def record_disposition(
    period: CommentPeriod | int,
    *,
    by,
    outcome: str,
    note: str = "",
    comment: Comment | int | None = None,
    amendment: Amendment | int | None = None,
    meeting: ReviewMeeting | int | None = None,
    seen_revision: int | None = None,
):
    """Record (or change) the secretariat's disposition of one submission of ``period``.

    ``seen_revision``: the disposition's revision the row showed (0: none yet);
    another officer's save in between raises StaleRevision and writes nothing.
    Refused (ValidationError) for a submission of another period, an unknown
    outcome, or a meeting of another document.
    """
    period = lock_period(period)
    document = period.document
    permissions.refuse_if(permissions.why_cannot_dispose(by, document))
    if (comment is None) == (amendment is None):
        raise ValidationError("Choose one comment or one amendment.")
    model, pk = (Comment, pk_of(comment)) if comment is not None else (Amendment, pk_of(amendment))
    submission = model.objects.select_for_update().filter(pk=pk).first()
    if submission is None:
        raise gone(model)
    if submission.period_id != period.pk:
        raise ValidationError("That submission was not sent in during this comment period.")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose a disposition from the list."})
    if meeting is not None:
        meeting = ReviewMeeting.objects.filter(pk=pk_of(meeting), document=document).first()
        if meeting is None:
            raise ValidationError({"meeting": "Choose a meeting of this document."})
    if outcome == Outcome.DEFERRED and meeting is None:
        raise ValidationError({"meeting": "Say which meeting it is deferred to."})
    note = _clean_note(note)
    lookup = {"comment": submission} if model is Comment else {"amendment": submission}
    current = Disposition.objects.select_for_update().filter(**lookup).first()
    what = f"{model.__name__.lower()} #{submission.pk}"
    if seen_revision is not None and (current.revision if current else 0) != seen_revision:
        existing = current or Disposition(period=period, revision=0, **lookup)
        raise StaleRevision(
            existing,
            f"The disposition of {what} was changed by someone else since you opened this "
            f"page (now: {existing.get_outcome_display() if current else 'none'}); "
            "nothing was saved. Look at it again and save if it still makes sense.",
            seen=seen_revision,
        )
    disposition = current or Disposition(period=period, **lookup)
    if current is not None:
        disposition.revision += 1
    disposition.outcome = outcome
    disposition.note = note
    disposition.meeting = meeting
    disposition.decided_by = by
    disposition.decided_at = timezone.now()
    stamp(disposition, by=by, reason=f"Disposition of {what}: {disposition.get_outcome_display()}.")
    disposition.save()
    return disposition


# --- The reminder ---------------------------------------------------------------------------


def remind_before_deadlines(*, now: datetime | None = None) -> int:
    """Queue PERIOD_DEADLINE for periods whose deadline is under 48 hours away, once each.

    Run by the sender's every pass (drafting.outbox.send_due): idempotent, as each
    period is marked reminded in the same transaction as its notifications.
    Returns how many periods were reminded.
    """
    now = now or timezone.now()
    # A period opened less than 48 hours before its deadline was never "48 hours away":
    # its opening message gave the deadline, and "48 hours left" would be wrong.
    due = CommentPeriod.objects.filter(
        reminded_at__isnull=True,
        deadline__gt=now,
        deadline__lte=now + REMINDER_BEFORE,
        opened_at__lte=F("deadline") - REMINDER_BEFORE,
    ).values_list("pk", flat=True)
    done = 0
    for pk in list(due):
        with transaction.atomic():
            period = lock_period(pk)
            if period.reminded_at is not None:
                continue  # another sender got there first
            invited = list(period.invited.values_list("pk", flat=True))
            recipients = [u for d in invited for u in notify.delegation_experts(d)]
            title = period.document.short_title or period.document.title
            notify.queue(
                Kind.PERIOD_DEADLINE,
                recipients,
                f"48 hours left: comment period on {title}",
                f"The comment period on “{period.version.name}” of {period.document.title} "
                f"closes on {period.deadline:%d %B %Y %H:%M} UTC.",
                reverse("drafting:period-detail", args=[period.pk]),
                about=f"period:{period.pk}",
            )
            period.reminded_at = now
            stamp(period, by=None, reason="Deadline reminder sent.")
            period.save()
            done += 1
    return done
