"""Deleted sections and practices, kept so that one action can restore them.

Deleting stays a real delete: every reader of history (snapshots, timelines,
redlines, exports) already treats a deleted row as its "-" history row, and no
query anywhere has to learn to skip "deleted" rows. What a delete would lose is
*what went with it* and *where it stood*; a ``Deletion`` records exactly that,
so a restore can recreate every row from its last history row, with its id,
and put it back in place.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from drafting.models.base import tracked
from drafting.models.documents import Document


class Deletion(models.Model):
    """One deletion of a section or a practice, and everything removed or detached with it.

    Ids are plain integers, not foreign keys: the rows they name are gone until
    restored. ``restored_by``/``restored_at`` are set once, when it is restored.
    """

    class Kind(models.TextChoices):
        SECTION = "section", "Section"
        PRACTICE = "practice", "Practice"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="deletions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField(
        help_text="The id of the deleted section or practice; a restore gives it back."
    )
    label = models.CharField(
        max_length=1000, help_text="What it was called when it was deleted (title or heading)."
    )
    # Text, not a number: under the keep-numbers rule a practice is "7 bis".
    number = models.CharField(  # noqa: DJ001 (sections and older rows have none)
        max_length=40,
        null=True,
        blank=True,
        help_text="For a practice: its Good Practice number then.",
    )
    section_id_then = models.BigIntegerField(
        null=True, blank=True, help_text="For a practice: the section it stood in."
    )
    after_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The section or practice just before it then; empty if it was first.",
    )
    practice_ids = models.JSONField(default=list, blank=True)
    amendment_ids = models.JSONField(default=list, blank=True)
    comment_ids = models.JSONField(default=list, blank=True)
    agenda_item_ids = models.JSONField(default=list, blank=True)
    # A practice's amendments and comments stay on its section, their link cleared;
    # a restore links them back.
    detached_amendment_ids = models.JSONField(default=list, blank=True)
    detached_comment_ids = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    # Empty only for a deletion recorded afterwards from a history row that names nobody.
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deleted_at = models.DateTimeField()
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    restored_at = models.DateTimeField(null=True, blank=True)

    history = tracked()

    class Meta:
        ordering = ["document", "-deleted_at", "-id"]
        indexes = [
            models.Index(fields=["document", "deleted_at"]),
            models.Index(fields=["kind", "object_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(restored_at__isnull=True, restored_by__isnull=True)
                | models.Q(restored_at__isnull=False, restored_by__isnull=False),
                name="deletion_restored_by_and_at_together",
            )
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.SECTION:
            return f"Section “{self.label}”"
        number = f"{self.document.label(self.number)}: " if self.number else ""
        return f"{number}{self.label}"[:200]

    def get_absolute_url(self) -> str:
        # The Deleted page is paginated: ``?deletion=`` opens the page that lists this one.
        url = reverse("drafting:document-deleted", args=[self.document.slug])
        return f"{url}?deletion={self.pk}#deletion-{self.pk}"

    @property
    def is_restored(self) -> bool:
        return self.restored_at is not None

    @property
    def contents(self) -> str:
        """What went with it, in words: "3 practices, 2 amendments, 5 comments"."""
        parts = []
        counts = [
            (len(self.practice_ids) if self.kind == self.Kind.SECTION else 0, "practice"),
            (len(self.amendment_ids) + len(self.detached_amendment_ids), "amendment"),
            (len(self.comment_ids) + len(self.detached_comment_ids), "comment"),
            (len(self.agenda_item_ids), "agenda item"),
        ]
        for count, noun in counts:
            if count:
                parts.append(f"{count} {noun}{'' if count == 1 else 's'}")
        return ", ".join(parts)
