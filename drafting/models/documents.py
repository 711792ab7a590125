"""The text being drafted: documents, their sections and practices, and named versions."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from drafting.models.base import tracked
from drafting.models.forum import Delegation, WorkingGroup
from drafting.text import validate_line, validate_markdown

# Positions are stored with gaps so that inserting or moving one row writes
# that row only; numbers shown to readers are derived from the order.
POSITION_STEP = 1 << 20

# A document may start at any number (an excerpt "from Good Practice 20"), but
# not at a number nobody could print in a heading.
FIRST_NUMBER_MAX = 9999
LABEL_TERMS = ("Good Practice", "Recommendation", "Principle")


class Document(models.Model):
    class Status(models.TextChoices):
        DRAFTING = "drafting", "Drafting"
        IN_REVIEW = "in_review", "In review"
        FINAL = "final", "Final"
        SUBMITTED = "submitted", "Submitted for adoption"
        ADOPTED = "adopted", "Adopted"

    class Numbering(models.TextChoices):
        CONTINUOUS = "continuous", "Renumber continuously"
        KEEP = "keep", "Keep numbers (insertions become “bis”, “ter”)"

    pretitle = models.CharField(
        "line above the title",
        max_length=300,
        blank=True,
        help_text="Printed above the title, e.g. the working group that prepares the document.",
    )
    title = models.CharField(max_length=300)
    short_title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=100, unique=True)
    label_term = models.CharField(
        max_length=60,
        default="Good Practice",
        help_text="What each numbered item is called: “Good Practice 3”, “Recommendation 3”.",
    )
    first_number = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(FIRST_NUMBER_MAX)],
        help_text="The number of the first practice (20 for an excerpt starting at 20).",
    )
    numbering = models.CharField(
        max_length=20, choices=Numbering.choices, default=Numbering.CONTINUOUS
    )
    forum = models.CharField(
        max_length=200, help_text="The forum that adopts the document, as printed on the cover."
    )
    initiative = models.CharField(max_length=300, blank=True)
    working_group = models.ForeignKey(
        WorkingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    co_leads = models.ManyToManyField(Delegation, blank=True, related_name="led_documents")
    implementing_partner = models.ForeignKey(
        Delegation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    introduction = models.TextField(blank=True, validators=[validate_markdown])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFTING)
    target_meeting = models.ForeignKey(
        "drafting.ReviewMeeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The ministerial meeting at which the document is to be adopted.",
    )
    adopted_on = models.DateField(null=True, blank=True)
    adopted_at = models.ForeignKey(
        "drafting.ReviewMeeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Incremented when the details above are edited; the edit form carries the
    # revision it started from (status changes are checked by state instead).
    revision = models.PositiveIntegerField(default=1)
    # Under "keep numbers": the last Practice history row written when the numbers
    # were last made continuous (switching to the rule, or Renumber now). A practice
    # deleted after it leaves a gap: its label is not given to a new practice.
    renumbered_after = models.BigIntegerField(null=True, blank=True, editable=False)
    # Silence procedure (issue 15): the deadline of the procedure that freezes the text,
    # set when it opens and cleared when it is concluded or ended (drafting.actions.silence).
    # Kept on the document so that every permission rule reads it without a query.
    silence_until = models.DateTimeField(null=True, blank=True, editable=False)

    history = tracked(m2m_fields=[co_leads])

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_number__gte=1), name="document_first_number_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(label_term=""), name="document_label_term_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.short_title or self.title

    def get_absolute_url(self) -> str:
        return reverse("drafting:document-detail", args=[self.slug])

    def label(self, number: int | str | None) -> str:
        """ "Recommendation 20": what a practice numbered ``number`` is called here.

        The one place the label term meets a number (pages, messages, history and
        exports all come through here or drafting.templatetags.drafting_labels).
        """
        return practice_label(self.label_term, number)


def practice_label(term: str, number: int | str | None) -> str:
    """ "Good Practice 5" from a label term and a number already offset by first_number."""
    term = term or "Good Practice"
    return f"{term} {number}" if number not in (None, "") else term


class Section(models.Model):
    class Status(models.TextChoices):
        DRAFTING = "drafting", "Drafting"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="sections")
    position = models.BigIntegerField()
    title = models.CharField(max_length=300)
    introduction = models.TextField(blank=True, validators=[validate_markdown])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFTING)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    # Incremented on every save; an edit form carries the revision it started from.
    revision = models.PositiveIntegerField(default=1)

    history = tracked()

    class Meta:
        ordering = ["document", "position", "id"]
        indexes = [models.Index(fields=["document", "position"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("drafting:section-detail", args=[self.pk])


class Practice(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="practices")
    position = models.BigIntegerField()
    heading = models.CharField(
        max_length=1000,
        validators=[validate_line],
        help_text="The bold lead sentence of the good practice.",
    )
    body = models.TextField(
        blank=True,
        validators=[validate_markdown],
        help_text="The explanatory paragraphs, in Markdown.",
    )
    revision = models.PositiveIntegerField(default=1)
    # The label it holds under the document's "keep numbers" rule: 7 and 1 = "7 bis"
    # (drafting.numbering). Set by the actions that add, restore and renumber
    # practices; ignored while the document renumbers continuously.
    kept_number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    kept_suffix = models.PositiveSmallIntegerField(default=0, editable=False)

    history = tracked()

    class Meta:
        ordering = ["section__position", "position", "id"]
        indexes = [models.Index(fields=["section", "position"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(heading=""), name="practice_heading_not_empty"
            )
        ]

    def __str__(self) -> str:
        return self.heading[:80]

    def get_absolute_url(self) -> str:
        return f"{self.section.get_absolute_url()}#practice-{self.pk}"


class Version(models.Model):
    """A named point in a document's history; its text is reconstructed from history."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    name = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    taken_at = models.DateTimeField(help_text="The moment whose text this version names.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    meeting = models.ForeignKey(
        "drafting.ReviewMeeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="versions",
    )

    history = tracked()

    class Meta:
        ordering = ["document", "taken_at"]
        constraints = [
            models.UniqueConstraint(fields=["document", "name"], name="version_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
