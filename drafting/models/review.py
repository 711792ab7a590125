"""How the text is reviewed: amendments, comments and review meetings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from drafting.models.base import tracked
from drafting.models.documents import Document, Practice, Section
from drafting.models.forum import Delegation
from drafting.text import validate_line, validate_markdown


class ReviewMeeting(models.Model):
    class Kind(models.TextChoices):
        INAUGURAL = "inaugural", "Inaugural meeting"
        WORKSHOP = "workshop", "Expert workshop"
        REVIEW = "review", "Review meeting"
        MINISTERIAL = "ministerial", "Ministerial plenary"
        OTHER = "other", "Other meeting"

    class Status(models.TextChoices):
        PLANNED = "planned", "Upcoming"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    title = models.CharField(max_length=300)
    theme = models.CharField(max_length=500, blank=True)
    city = models.CharField(max_length=120, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    participants = models.ManyToManyField(Delegation, blank=True, related_name="meetings")
    outcome = models.TextField(blank=True, help_text="Outcome notes, in Markdown.")
    # Incremented on every save of the form's facts; the form carries the revision it
    # showed, so two secretariat members editing at once cannot blank each other's notes.
    revision = models.PositiveIntegerField(default=1)

    history = tracked(m2m_fields=[participants])

    class Meta:
        ordering = ["document", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """One section on a meeting's agenda, in order."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="agenda")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)

    history = tracked()

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "section"], name="agenda_section_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.section}"


class Amendment(models.Model):
    class Kind(models.TextChoices):
        CHANGE = "change", "Change to a practice"
        NEW = "new", "New practice"
        DELETE = "delete", "Deletion of a practice"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHANGE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="amendments")
    # The practice changed or deleted; for a new practice, the one it follows (if any).
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.SET_NULL, related_name="amendments"
    )
    base_revision = models.PositiveIntegerField(
        null=True, blank=True, help_text="The practice revision the proposal was written against."
    )
    proposed_heading = models.CharField(max_length=1000, blank=True, validators=[validate_line])
    proposed_body = models.TextField(blank=True, validators=[validate_markdown])
    rationale = models.TextField()
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="amendments")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="amendments"
    )
    # Not auto_now_add: a restored row keeps the date it was first written.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    decided_at_meeting = models.ForeignKey(
        ReviewMeeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )

    # Sent in during a comment period (drafting.models.periods): against that period's
    # version, whose text it addresses; ``late`` when it came after the deadline.
    period = models.ForeignKey(
        "drafting.CommentPeriod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    version = models.ForeignKey(
        "drafting.Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    late = models.BooleanField(default=False)

    history = tracked()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Amendment #{self.pk} ({self.get_kind_display().lower()})"


class Comment(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="comments")
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField()
    # A Word comment brought in by an import speaks for the delegation its author was mapped
    # to; ``author`` stays the secretariat officer who imported it (who wrote the row).
    on_behalf_of = models.ForeignKey(
        Delegation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    word_author = models.CharField(
        max_length=200, blank=True, help_text="The author a Word comment named, when imported."
    )
    # Not auto_now_add: a restored row keeps the date it was first written.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    # Sent in during a comment period (drafting.models.periods): against that period's
    # version, whose text it addresses; ``late`` when it came after the deadline.
    period = models.ForeignKey(
        "drafting.CommentPeriod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    version = models.ForeignKey(
        "drafting.Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    late = models.BooleanField(default=False)

    history = tracked()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.practice or self.section}"
