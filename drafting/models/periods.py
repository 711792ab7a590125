"""Rounds of consultation: comment periods on a circulated version, and the secretariat's
disposition of what each delegation sent in."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from drafting.models.base import tracked
from drafting.models.documents import Document, Version
from drafting.models.forum import Delegation
from drafting.models.review import Amendment, Comment, ReviewMeeting
from drafting.text import validate_markdown


class CommentPeriod(models.Model):
    """A version circulated to invited delegations for written comments until a deadline."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="periods")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="periods")
    deadline = models.DateTimeField(help_text="Stored in UTC; shown in the reader's time zone.")
    # The zone the secretariat wrote the deadline in, so pages can repeat it as typed.
    deadline_zone = models.CharField(max_length=64, default="UTC")
    invited = models.ManyToManyField(Delegation, related_name="comment_periods")
    instructions = models.TextField(blank=True, validators=[validate_markdown])
    allow_late = models.BooleanField(
        default=False, help_text="Accept submissions after the deadline, flagged late."
    )
    # The secretariat's choice for the compilation text: delegations named or lettered.
    anonymise = models.BooleanField(default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set once the 48-hours-before reminder has been queued (drafting.outbox).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = tracked(m2m_fields=[invited])

    class Meta:
        ordering = ["document", "-opened_at", "-id"]

    def __str__(self) -> str:
        return f"Comment period on “{self.version}”"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("drafting:period-detail", args=[self.pk])

    def is_open(self, now=None) -> bool:
        """Before the deadline (the deadline itself is already too late)."""
        return (now or timezone.now()) < self.deadline


class Disposition(models.Model):
    """The secretariat's answer to one submission (a comment or an amendment) of a period.

    A row of its own rather than fields on Comment/Amendment: it has its own revision
    (each row of the table saves alone, with its own stale check) and its own history,
    and it does not touch the amendment's decision (accepting one still applies it
    through the ordinary decision, which this table records but does not perform).
    """

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        MODIFIED = "modified", "Accepted as modified"
        REJECTED = "rejected", "Rejected"
        DEFERRED = "deferred", "Deferred to a meeting"

    period = models.ForeignKey(CommentPeriod, on_delete=models.CASCADE, related_name="dispositions")
    comment = models.OneToOneField(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="disposition"
    )
    amendment = models.OneToOneField(
        Amendment, null=True, blank=True, on_delete=models.CASCADE, related_name="disposition"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.TextField(blank=True, validators=[validate_markdown])
    meeting = models.ForeignKey(
        ReviewMeeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="dispositions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)

    history = tracked()

    class Meta:
        ordering = ["period", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(comment__isnull=True, amendment__isnull=False)
                | models.Q(comment__isnull=False, amendment__isnull=True),
                name="disposition_of_one_submission",
            )
        ]

    def __str__(self) -> str:
        what = (
            f"comment #{self.comment_id}" if self.comment_id else f"amendment #{self.amendment_id}"
        )
        return f"{self.get_outcome_display()}: {what}"
