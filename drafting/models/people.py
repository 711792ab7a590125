"""What happened to people's accounts: the secretariat's record of invitations and changes.

A person is Django's ``User`` (their login) and an ``ExpertProfile`` (their delegation
and role, history-tracked like the rest of the register). The user row itself is not
history-tracked: it holds the password hash and the last log-in time, which change on
every log-in. So what the secretariat does to an account (invite, change a role,
deactivate, reactivate) and what the person does with it (set or change a password)
is written here, by drafting.actions.people only, one row per event.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from drafting.models.base import tracked


class AccountEvent(models.Model):
    """One change to a person's account: who did what, to whom, when, and why."""

    class Kind(models.TextChoices):
        INVITED = "invited", "Invited"
        INVITATION_SENT = "invitation_sent", "Invitation e-mail sent"
        INVITATION_FAILED = "invitation_failed", "Invitation e-mail could not be sent"
        ROLE_CHANGED = "role_changed", "Role or delegation changed"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        PASSWORD_SET = "password_set", "Password set from an e-mailed link"
        PASSWORD_CHANGED = "password_changed", "Password changed"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who did it; the person themselves for their own password.",
    )
    at = models.DateTimeField(default=timezone.now)

    history = tracked()

    class Meta:
        # The order in which they were recorded (ids), not a host's clock.
        ordering = ["-pk"]
        indexes = [models.Index(fields=["person", "kind"], name="account_event_person_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person}"
