"""Silence procedures (issue 15): a named version put to delegations until a deadline.

While a procedure is open the document's text is frozen (``Document.silence_until``,
read by drafting.permissions). Any expert of an invited delegation may break silence
with a reason before the deadline (one ``SilenceBreak`` per delegation). Whether it
was broken or agreed is *derived* from the breaks and the deadline
(drafting.reads.silence.silence_outcome); ``closed`` records what the secretariat (or
the periodic sender) then did: agreed (the document moved to final) or ended after a
break (the text unfrozen).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from drafting.models.base import tracked
from drafting.models.documents import Document, Version
from drafting.models.forum import Delegation


class SilenceProcedure(models.Model):
    class Closed(models.TextChoices):
        OPEN = "", "Open"
        AGREED = "agreed", "Agreed under silence procedure"
        ENDED = "ended", "Ended by the secretariat after silence was broken"

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="silence_procedures"
    )
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField(help_text="Stored in UTC.")
    # The time zone the secretariat gave the deadline in ("Africa/Casablanca").
    deadline_zone = models.CharField(max_length=64, default="UTC")
    invited = models.ManyToManyField(Delegation, related_name="silence_procedures")
    note = models.TextField(blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed = models.CharField(
        max_length=10, choices=Closed.choices, default=Closed.OPEN, blank=True
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True)

    history = tracked(m2m_fields=[invited])

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # One open procedure per document: the freeze has one deadline.
            models.UniqueConstraint(
                fields=["document"],
                condition=models.Q(closed=""),
                name="silence_one_open_per_document",
            )
        ]

    def __str__(self) -> str:
        return f"Silence procedure on “{self.version}”"

    def get_absolute_url(self) -> str:
        return reverse("drafting:silence-detail", args=[self.pk])


class SilenceBreak(models.Model):
    """A delegation breaks silence: who, when and why (the reason is required)."""

    procedure = models.ForeignKey(SilenceProcedure, on_delete=models.CASCADE, related_name="breaks")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField()

    history = tracked()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "delegation"], name="silence_break_once_per_delegation"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="silence_break_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.delegation} broke silence"
