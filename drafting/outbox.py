"""Sending what the notification queue holds: `manage.py send_notifications`.

One pass (``send_due``) gathers the daily digests that are due, then sends the
e-mails due now and the digests, through Django's e-mail framework (the console
under `make run`, SMTP from the environment in production). The writes (claim,
sent, failed, digests) are drafting.actions.notifications'; this module only
builds the messages and talks to the mail server, outside any transaction, so a
slow server never holds a database lock.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone

from drafting.actions import notifications as notify
from drafting.actions import periods as period_actions
from drafting.actions import silence as silence_actions
from drafting.history import person
from drafting.models import Notification, NotificationDigest

logger = logging.getLogger("drafting.notifications")
Email = Notification.Email


@dataclass
class Pass:
    """What one pass of the sender did."""

    sent: int = 0
    digests: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.sent} e-mail(s) and {self.digests} digest(s) sent"
        if self.failed:
            text += f"; {self.failed} not sent, to be tried again ({self.errors[-1]})"
        return text


def _footer() -> str:
    return (
        "\n\n-- \nDrafting. Choose which e-mails you receive: "
        f"{settings.SITE_URL}{reverse('drafting:notification-preferences')}\n"
    )


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path else settings.SITE_URL


def message_for(row: Notification) -> EmailMessage:
    """The e-mail of one notification: its subject, text and link, plain text only."""
    body = f"{row.body}\n\n{_link(row.url)}{_footer()}"
    return EmailMessage(f"[Drafting] {row.subject}", body, to=[row.recipient.email])


def digest_message(digest: NotificationDigest, rows: list[Notification]) -> EmailMessage:
    """One e-mail gathering a person's notifications of the day, oldest first."""
    parts = [
        f"Hello {person(digest.recipient).name},\n\n"
        f"{len(rows)} thing(s) happened in Drafting that you chose to hear about once a day:"
    ]
    for row in rows:
        when = timezone.localtime(row.created_at).strftime("%d %b %H:%M")
        parts.append(f"* {row.subject} ({when})\n  {_link(row.url)}")
    body = "\n\n".join(parts) + _footer()
    subject = f"[Drafting] Your daily digest: {len(rows)} notification(s)"
    return EmailMessage(subject, body, to=[digest.recipient.email])


def _send(connection, message: EmailMessage) -> str:
    """'' when the mail server took the message, else why not (in its words)."""
    try:
        if connection.send_messages([message]) == 1:
            return ""
        return "the mail server did not take the message"
    except Exception as error:  # any failure of the server or the network: try again later
        return str(error)[:300] or type(error).__name__


def _deliver(rows, build, *, now: datetime, report: Pass) -> int:
    """Send claimed rows one by one; record each outcome. Out: how many left."""
    # Deactivated since, or without an address now: nobody to send to; never retried.
    gone = [r for r in rows if not (r.recipient.is_active and r.recipient.email)]
    notify.record_unsendable(gone)
    rows = [r for r in rows if r not in gone]
    if not rows:
        return 0
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # the server is down: every claimed row goes back
        reason = str(error)[:300] or type(error).__name__
        for row in rows:
            notify.record_failed(row, reason, now=now)
        report.failed += len(rows)
        report.errors.append(reason)
        logger.warning("mail server unreachable, %d e-mail(s) kept: %s", len(rows), reason)
        return 0
    sent = []
    try:
        for row in rows:
            reason = _send(connection, build(row))
            if reason:
                notify.record_failed(row, reason, now=now)
                report.failed += 1
                report.errors.append(reason)
                logger.warning("notification e-mail %s not sent: %s", row.pk, reason)
            else:
                # Recorded at once: a sender stopped later must not send it again.
                notify.record_sent([row], now=now)
                sent.append(row)
    finally:
        # Closing a connection the server broke: nothing left to do about it.
        with contextlib.suppress(Exception):
            connection.close()
    return len(sent)


def _digest_builder(digest: NotificationDigest) -> EmailMessage:
    rows = list(digest.notifications.order_by("created_at", "id"))
    return digest_message(digest, rows)


def send_due(*, now: datetime | None = None, batch: int = 100) -> Pass:
    """One pass: gather due digests, send due e-mails and digests (``batch`` at a time,
    until none is due). Safe to run in several processes at once."""
    now = now or timezone.now()
    report = Pass()
    # Silence procedures whose deadline came unbroken are recorded as agreed first, so
    # their SILENCE_CONCLUDED messages leave in this same pass (issue 15).
    silence_actions.conclude_due(now=now)
    # Comment periods (issue 15): the 48-hours-before reminders, queued once, sent below.
    period_actions.remind_before_deadlines(now=now)
    notify.gather_digests(now=now)
    while rows := notify.claim_emails(now=now, limit=batch):
        report.sent += _deliver(rows, message_for, now=now, report=report)
    while digests := notify.claim_digests(now=now, limit=batch):
        report.digests += _deliver(digests, _digest_builder, now=now, report=report)
    return report


def stuck() -> int:
    """Rows a sender claimed and never finished (it stopped mid-send): not sent again,
    because the server may have taken them (at most once)."""
    return Notification.objects.filter(email=Email.SENDING).count()
