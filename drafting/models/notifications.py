"""Notifications: what a person should hear about, their choices, and the e-mail outbox.

One ``Notification`` row is both the item in the person's in-application list
and the e-mail waiting to leave: actions queue rows in their own transaction
(drafting.actions.notifications.queue), so a change that is rolled back queues
nothing, and ``manage.py send_notifications`` sends them after commit
(drafting.outbox). A ``NotificationDigest`` records what one daily e-mail
gathered, so a digest is made once per person per local day and never twice.

Operational data about people, not the draft: not history-tracked (like export
jobs). Preferences are kept in the archive with everything else.
"""

from django.conf import settings
from django.db import models


class Delivery(models.TextChoices):
    """How a person wants to hear about one kind of notification by e-mail."""

    IMMEDIATE = "immediate", "E-mail at once"
    DIGEST = "digest", "In a daily digest"
    NONE = "none", "No e-mail"


class Kind(models.TextChoices):
    """Every kind of notification; who receives each is decided where it is queued."""

    AMENDMENT_DECIDED = "amendment-decided", "A decision on my delegation's amendment"
    SECTION_IN_REVIEW = "section-in-review", "A section I follow is sent for review"
    SECTION_APPROVED = "section-approved", "A section I follow is approved"
    COMMENT_REPLY = "comment-reply", "A reply in a comment thread I took part in"
    NEW_AMENDMENT = "new-amendment", "A new amendment is proposed"
    NEW_COMMENT = "new-comment", "A new comment is posted"
    # Rounds of consultation (issue 15; queued by the actions built with them).
    PERIOD_OPENED = "period-opened", "A comment period opens for my delegation"
    PERIOD_DEADLINE = "period-deadline", "48 hours before a comment period's deadline"
    SILENCE_OPENED = "silence-opened", "A text is placed under silence procedure"
    SILENCE_BROKEN = "silence-broken", "Silence is broken"
    SILENCE_CONCLUDED = "silence-concluded", "A silence procedure ends"


class Notification(models.Model):
    """One thing one person should hear about, and how its e-mail is getting on."""

    class Email(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"  # claimed by a sender; outcome unknown if it stays
        SENT = "sent", "Sent"
        DIGEST = "digest", "Waiting for the daily digest"
        IN_DIGEST = "in-digest", "Gathered in a daily digest"
        NONE = "none", "No e-mail"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)  # plain text: never rendered as markup
    url = models.CharField(max_length=500, blank=True)  # a path on this site
    # What it is about ("amendment:12"): for later kinds to find or group theirs.
    about = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=12, choices=Email.choices, default=Email.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    digest = models.ForeignKey(
        "drafting.NotificationDigest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The person's list, newest first, and the header's unread count.
            models.Index(fields=["recipient", "-id"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The sender's queue.
            models.Index(
                fields=["email", "next_attempt_at"],
                condition=models.Q(email__in=["pending", "digest"]),
                name="notification_outbox_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} (to {self.recipient})"

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A person's choice for one kind; a kind without a row has its default (KIND_DEFAULTS)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    delivery = models.CharField(max_length=12, choices=Delivery.choices)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} — {self.get_delivery_display()}"


class NotificationDigest(models.Model):
    """One daily e-mail to one person: the notifications it gathered point at it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_digests"
    )
    day = models.DateField()  # the local day (settings.TIME_ZONE) it was made for
    created_at = models.DateTimeField()
    email = models.CharField(
        max_length=12, choices=Notification.Email.choices, default=Notification.Email.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            # Once per person per local day, whatever runs the sender or how often.
            models.UniqueConstraint(fields=["recipient", "day"], name="notification_digest_daily")
        ]

    def __str__(self) -> str:
        return f"Digest of {self.day} for {self.recipient}"


# Who may receive each kind (the roles its preference is offered to) and the e-mail it
# gets until the person chooses: decisions and deadlines at once; the secretariat's
# stream of new items in a daily digest.
KIND_DEFAULTS: dict[str, str] = {
    Kind.AMENDMENT_DECIDED: Delivery.IMMEDIATE,
    Kind.SECTION_IN_REVIEW: Delivery.IMMEDIATE,
    Kind.SECTION_APPROVED: Delivery.IMMEDIATE,
    Kind.COMMENT_REPLY: Delivery.IMMEDIATE,
    Kind.NEW_AMENDMENT: Delivery.DIGEST,
    Kind.NEW_COMMENT: Delivery.DIGEST,
    Kind.PERIOD_OPENED: Delivery.IMMEDIATE,
    Kind.PERIOD_DEADLINE: Delivery.IMMEDIATE,
    Kind.SILENCE_OPENED: Delivery.IMMEDIATE,
    Kind.SILENCE_BROKEN: Delivery.IMMEDIATE,
    Kind.SILENCE_CONCLUDED: Delivery.IMMEDIATE,
}
_EXPERT, _SECRETARIAT = "expert", "secretariat"
KIND_AUDIENCE: dict[str, frozenset[str]] = {
    Kind.AMENDMENT_DECIDED: frozenset({_EXPERT}),
    Kind.SECTION_IN_REVIEW: frozenset({_EXPERT, _SECRETARIAT}),
    Kind.SECTION_APPROVED: frozenset({_EXPERT, _SECRETARIAT}),
    Kind.COMMENT_REPLY: frozenset({_EXPERT, _SECRETARIAT}),
    Kind.NEW_AMENDMENT: frozenset({_SECRETARIAT}),
    Kind.NEW_COMMENT: frozenset({_SECRETARIAT}),
    Kind.PERIOD_OPENED: frozenset({_EXPERT}),
    Kind.PERIOD_DEADLINE: frozenset({_EXPERT}),
    Kind.SILENCE_OPENED: frozenset({_EXPERT, _SECRETARIAT}),
    Kind.SILENCE_BROKEN: frozenset({_EXPERT, _SECRETARIAT}),
    Kind.SILENCE_CONCLUDED: frozenset({_EXPERT, _SECRETARIAT}),
}
