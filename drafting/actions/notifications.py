"""Notifications: queued by the actions that cause them, sent later, read in the application.

``queue()`` is the one way to tell people something. It is called by an action
*inside its own transaction*, so the notification exists exactly when the
change does: a refused or rolled-back change queues nothing, and sending (by
``manage.py send_notifications``, drafting/outbox.py) never blocks or breaks
the change. Each kind has a hook below that decides who hears and what the
message says (``amendment_decided``, ``section_moved_on``, ``comment_posted``,
``amendment_proposed``); comment periods and silence procedures call
``queue()`` with their kinds (models.notifications.Kind) the same way.

The sender's writes live here too (claiming, marking sent or failed, gathering
digests): e-mail is delivered *at most once*. A row is claimed (state
``sending``, attempts + 1) and committed before the mail server is asked, and
marked ``sent`` after it answers; a refusal or an unreachable server puts it
back with a later ``next_attempt_at`` (never lost). A sender that dies between
the two leaves the row ``sending``: whether the server took it is unknown, so it
is not sent again (the command reports such rows).

Who follows a section (SECTION_IN_REVIEW, SECTION_APPROVED): the people who
took part in it — authors of its comments, and the experts of every delegation
that proposed an amendment in it or stated a position on one of its practices.
There is no explicit "follow" yet; the preference page lets anyone turn the kind off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.urls import reverse
from django.utils import timezone

from drafting.history import person
from drafting.models import (
    Amendment,
    Comment,
    ExpertProfile,
    Notification,
    NotificationDigest,
    NotificationPreference,
    Position,
    Section,
)
from drafting.models.notifications import KIND_AUDIENCE, KIND_DEFAULTS, Delivery, Kind

User = get_user_model()
Email = Notification.Email
Role = ExpertProfile.Role

SUBJECT_LIMIT = 300
# Retries of an e-mail the mail server refused or never answered: 1, 2, 4 … minutes,
# at most this long apart; never given up (the row stays until it leaves).
MAX_BACKOFF = timedelta(hours=6)


# --- Queueing --------------------------------------------------------------------------------


def _ids(recipients: Iterable[Model | int]) -> set[int]:
    return {r.pk if isinstance(r, Model) else int(r) for r in recipients}


def preferences_of(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """user id -> delivery chosen for ``kind`` (the kind's default when not chosen)."""
    ids = list(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    return {pk: chosen.get(pk, KIND_DEFAULTS[kind]) for pk in ids}


def queue(
    kind: str,
    recipients: Iterable[Model | int],
    subject: str,
    body: str,
    url: str,
    *,
    about: str = "",
    exclude: Iterable[Model | int] = (),
) -> list[Notification]:
    """Queue one notification of ``kind`` for each recipient; call it inside the change's
    transaction.

    In: ``recipients`` users (or ids; inactive accounts are left out, and so is
    ``exclude``, usually the person who made the change); ``subject`` and ``body`` plain
    text (never rendered as markup); ``url`` a path on this site; ``about`` a key
    such as ``"amendment:12"``. Each row's e-mail follows the recipient's preference
    for the kind: at once, in the daily digest, or none (the row is still in their
    list). Out: the rows created. Raises RuntimeError outside a transaction (a
    notification must not outlive a change that was rolled back) and ValueError
    for an unknown kind. Three queries whatever the number of recipients.
    """
    if kind not in KIND_DEFAULTS:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("queue() belongs inside the transaction of the change it reports.")
    ids = _ids(recipients) - _ids(exclude)
    if not ids:
        return []
    people = dict(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", "email"))
    wanted = preferences_of(people, kind)
    now = timezone.now()
    subject = " ".join(subject.split())[:SUBJECT_LIMIT]
    rows = []
    for pk in sorted(people):
        delivery = wanted[pk]
        if not people[pk] or delivery == Delivery.NONE:
            email = Email.NONE
        elif delivery == Delivery.DIGEST:
            email = Email.DIGEST
        else:
            email = Email.PENDING
        rows.append(
            Notification(
                recipient_id=pk,
                kind=kind,
                subject=subject,
                body=body,
                url=url,
                about=about,
                created_at=now,
                email=email,
                next_attempt_at=now if email == Email.PENDING else None,
            )
        )
    return Notification.objects.bulk_create(rows)


# --- Who hears about what: one hook per event, called by the action that makes it ----------


def delegation_experts(delegation_id: int | None) -> list[int]:
    """Active experts of a delegation (the people who speak for its proposals)."""
    if delegation_id is None:
        return []
    return list(
        ExpertProfile.objects.filter(
            delegation_id=delegation_id, role=Role.EXPERT, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def secretariat() -> list[int]:
    """Every active member of the secretariat."""
    return list(
        ExpertProfile.objects.filter(role=Role.SECRETARIAT, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def section_followers(section: Section) -> set[int]:
    """Who took part in a section: see the module docstring. Two queries."""
    commenters = Comment.objects.filter(section=section).values("author_id")
    delegations = Amendment.objects.filter(section=section).values("delegation_id")
    positioned = Position.objects.filter(practice__section=section).values("delegation_id")
    return set(
        ExpertProfile.objects.filter(user__is_active=True)
        .filter(
            Q(user_id__in=commenters)
            | Q(role=Role.EXPERT, delegation_id__in=delegations)
            | Q(role=Role.EXPERT, delegation_id__in=positioned)
        )
        .exclude(role=Role.OBSERVER)
        .values_list("user_id", flat=True)
    )


def _where(section: Section) -> str:
    return f"section “{section.title}” of {section.document.short_title or section.document}"


def amendment_decided(amendment: Amendment, *, by) -> list[Notification]:
    """Accepted or rejected: the proposing delegation's experts hear it, with the note."""
    verb = amendment.get_status_display().lower()
    what = amendment.get_kind_display().lower()
    section = amendment.section
    body = (
        f"{person(by).name} {verb} amendment #{amendment.pk} ({what}) proposed by "
        f"{amendment.delegation.name} in {_where(section)}."
    )
    if amendment.decided_at_meeting_id:
        body += f"\nDecided at: {amendment.decided_at_meeting}."
    if amendment.decision_note:
        body += f"\n\nNote:\n{amendment.decision_note}"
    return queue(
        Kind.AMENDMENT_DECIDED,
        delegation_experts(amendment.delegation_id),
        f"Amendment #{amendment.pk} {verb}: {section.title}",
        body,
        reverse("drafting:amendment-detail", args=[amendment.pk]),
        about=f"amendment:{amendment.pk}",
        exclude=[by],
    )


def section_moved_on(section: Section, kind: str, *, by, note: str = "") -> list[Notification]:
    """A section sent for review (SECTION_IN_REVIEW) or approved (SECTION_APPROVED)."""
    verb = "sent for review" if kind == Kind.SECTION_IN_REVIEW else "approved"
    body = f"{person(by).name} {verb} {_where(section)}."
    if note.strip():
        body += f"\n\n{note.strip()}"
    return queue(
        kind,
        section_followers(section),
        f"Section {verb}: {section.title}",
        body,
        section.get_absolute_url(),
        about=f"section:{section.pk}",
        exclude=[by],
    )


def comment_posted(comment: Comment, *, by) -> list[Notification]:
    """A reply reaches the thread's earlier participants; every comment reaches the
    secretariat (as a new comment), once per person."""
    section = comment.section
    url = f"{section.get_absolute_url()}#comment-{comment.parent_id or comment.pk}"
    excerpt = comment.body if len(comment.body) <= 1000 else comment.body[:1000] + "…"
    who = person(by)
    rows = []
    told: set[int] = set()
    if comment.parent_id:
        thread = Comment.objects.filter(Q(pk=comment.parent_id) | Q(parent_id=comment.parent_id))
        participants = set(thread.exclude(pk=comment.pk).values_list("author_id", flat=True))
        rows += queue(
            Kind.COMMENT_REPLY,
            participants,
            f"Reply from {who.name} in {section.title}",
            f"{who.name} replied in a thread you took part in, in {_where(section)}:\n\n{excerpt}",
            url,
            about=f"comment:{comment.parent_id}",
            exclude=[by],
        )
        told = participants
    rows += queue(
        Kind.NEW_COMMENT,
        set(secretariat()) - told,
        f"New comment from {who.name} in {section.title}",
        f"{who.name} wrote in {_where(section)}:\n\n{excerpt}",
        url,
        about=f"comment:{comment.pk}",
        exclude=[by],
    )
    return rows


def amendment_proposed(amendment: Amendment, *, by) -> list[Notification]:
    """A new amendment reaches the secretariat, which decides it."""
    what = amendment.get_kind_display().lower()
    return queue(
        Kind.NEW_AMENDMENT,
        secretariat(),
        f"New amendment #{amendment.pk} from {amendment.delegation.name}: "
        f"{amendment.section.title}",
        f"{person(by).name} ({amendment.delegation.name}) proposed {what} in "
        f"{_where(amendment.section)}.\n\nRationale:\n{amendment.rationale}",
        reverse("drafting:amendment-detail", args=[amendment.pk]),
        about=f"amendment:{amendment.pk}",
        exclude=[by],
    )


# --- The person's own choices and list -------------------------------------------------------


def kinds_for(user) -> list[str]:
    """The kinds a person can receive, by role (their preference page offers these)."""
    role = getattr(getattr(user, "profile", None), "role", None)
    return [kind for kind in Kind.values if role in KIND_AUDIENCE[kind]]


@transaction.atomic
def save_preferences(user, choices: dict[str, str], *, by) -> dict[str, str]:
    """Record how ``user`` wants to hear about each kind in ``choices`` (kind -> delivery).

    Only the person themselves (PermissionDenied otherwise); a kind or a delivery
    that does not exist is refused (ValidationError), nothing changed. Out: the
    person's choices now, for every kind.
    """
    if by is None or by.pk != user.pk:
        raise PermissionDenied("Only the person themselves chooses which e-mails they receive.")
    unknown = sorted(set(choices) - set(Kind.values))
    if unknown:
        raise ValidationError(f"There is no kind of notification called {', '.join(unknown)}.")
    for kind, delivery in choices.items():
        if delivery not in Delivery.values:
            raise ValidationError({kind: "Choose at once, daily digest or no e-mail."})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one saver at a time
    existing = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    for kind, delivery in choices.items():
        row = existing.get(kind) or NotificationPreference(user=user, kind=kind)
        if row.pk is None or row.delivery != delivery:
            row.delivery = delivery
            row.save()
    return choices_of(user)


def choices_of(user) -> dict[str, str]:
    """kind -> delivery for every kind: the person's choice or the kind's default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, KIND_DEFAULTS[kind]) for kind in Kind.values}


@transaction.atomic
def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notifications read: those with ``ids``, or all when None.

    Another person's ids are ignored (never theirs to mark). Out: how many changed.
    """
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    changed = list(rows.only("pk", "read_at"))
    now = timezone.now()
    for row in changed:
        row.read_at = now
    Notification.objects.bulk_update(changed, ["read_at"], batch_size=500)
    return len(changed)


# --- The sender's writes (drafting/outbox.py sends) ------------------------------------------


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after ``attempts`` failed ones."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@transaction.atomic
def claim_emails(*, now: datetime, limit: int = 100) -> list[Notification]:
    """Claim up to ``limit`` e-mails due now: each is ``sending`` once this commits.

    PostgreSQL: rows another sender holds are skipped (SKIP LOCKED); SQLite's
    IMMEDIATE transaction lets one sender in at a time.
    """
    rows = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(email=Email.PENDING, next_attempt_at__lte=now)
        .order_by("id")[:limit]
    )
    for row in rows:
        row.email, row.claimed_at, row.attempts = Email.SENDING, now, row.attempts + 1
    Notification.objects.bulk_update(rows, ["email", "claimed_at", "attempts"])
    return rows


@transaction.atomic
def claim_digests(*, now: datetime, limit: int = 100) -> list[NotificationDigest]:
    """The same for daily digests."""
    rows = list(
        NotificationDigest.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(email=Email.PENDING, next_attempt_at__lte=now)
        .order_by("id")[:limit]
    )
    for row in rows:
        row.email, row.claimed_at, row.attempts = Email.SENDING, now, row.attempts + 1
    NotificationDigest.objects.bulk_update(rows, ["email", "claimed_at", "attempts"])
    return rows


def record_sent(rows: list[Notification | NotificationDigest], *, now: datetime) -> None:
    """The mail server took these: they are never sent again."""
    if not rows:
        return
    for row in rows:
        row.email, row.sent_at, row.last_error = Email.SENT, now, ""
    type(rows[0]).objects.bulk_update(rows, ["email", "sent_at", "last_error"])


def record_unsendable(rows: list[Notification | NotificationDigest]) -> None:
    """The recipient was deactivated or has no address now: no e-mail, never retried."""
    if not rows:
        return
    for row in rows:
        row.email = Email.NONE
    type(rows[0]).objects.bulk_update(rows, ["email"])


def record_failed(row: Notification | NotificationDigest, error: str, *, now: datetime) -> None:
    """The mail server refused or did not answer: back in the queue, tried again later."""
    row.email = Email.PENDING
    row.next_attempt_at = now + backoff(row.attempts)
    row.last_error = error[:1000]
    row.save(update_fields=["email", "next_attempt_at", "last_error"])


def digest_due(now: datetime) -> tuple[date, datetime]:
    """(local day, cut-off) of the latest digest due at ``now``.

    A day's digest is due from NOTIFICATION_DIGEST_HOUR local time (settings.TIME_ZONE)
    and gathers what was queued before that moment; before the hour, yesterday's is
    the one due (made late if no sender ran after yesterday's hour).
    """
    local = timezone.localtime(now)
    day = local.date()
    if local.hour < settings.NOTIFICATION_DIGEST_HOUR:
        day -= timedelta(days=1)
    cutoff = datetime.combine(day, time(settings.NOTIFICATION_DIGEST_HOUR))
    return day, timezone.make_aware(cutoff, timezone.get_current_timezone())


@transaction.atomic
def gather_digests(*, now: datetime) -> list[NotificationDigest]:
    """Make the digest due at ``now`` (digest_due) for each person with notifications
    queued for one before its cut-off.

    Once per person per local day (a unique constraint holds it whatever runs the
    sender, however often): what was queued after the cut-off waits for the next
    day's. Each gathered notification points at its digest.
    """
    day, cutoff = digest_due(now)
    waiting = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(email=Email.DIGEST, created_at__lt=cutoff)
        .order_by("id")
    )
    by_person: dict[int, list[Notification]] = defaultdict(list)
    for row in waiting:
        by_person[row.recipient_id].append(row)
    done = set(
        NotificationDigest.objects.filter(recipient_id__in=list(by_person), day=day).values_list(
            "recipient_id", flat=True
        )
    )
    digests = NotificationDigest.objects.bulk_create(
        [
            NotificationDigest(recipient_id=pk, day=day, created_at=now, next_attempt_at=now)
            for pk in sorted(set(by_person) - done)
        ]
    )
    gathered = []
    for digest in digests:
        for row in by_person[digest.recipient_id]:
            row.digest, row.email = digest, Email.IN_DIGEST
            gathered.append(row)
    Notification.objects.bulk_update(gathered, ["digest", "email"], batch_size=500)
    return digests
