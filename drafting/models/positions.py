"""Delegations' positions on practices: support, reservation, objection, or none yet."""

from django.db import models
from django.db.models import Q

from drafting.models.base import tracked
from drafting.models.documents import Practice
from drafting.models.forum import Delegation
from drafting.text import validate_markdown

# A reservation or objection is a statement, not an essay; the forum's own footnotes
# run to a few sentences.
POSITION_TEXT_LIMIT = 2_000


def reservation_lead(delegation_name: str) -> str:
    """The forum's words before a reservation on the record, as the text's footnote prints it."""
    return f"The delegation of {delegation_name} reserves its position on this practice: "


class Position(models.Model):
    """What one delegation says about one practice; one row per (practice, delegation).

    The row is kept when a delegation goes back to "no position", so its history
    shows every change. ``for_the_record`` is the secretariat's acceptance of a
    reservation for the record: it is printed as a footnote to the practice.
    """

    class Stance(models.TextChoices):
        NONE = "none", "No position"
        SUPPORT = "support", "Support"
        RESERVATION = "reservation", "Reservation"
        OBJECTION = "objection", "Objection"

    # No database constraint and DO_NOTHING: deleting a practice must not remove
    # positions behind history's back (a cascade writes no author), and a restored
    # practice comes back with its id, so its positions are attached again as they were.
    practice = models.ForeignKey(
        Practice,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="positions",
    )
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="positions")
    stance = models.CharField(max_length=20, choices=Stance.choices, default=Stance.NONE)
    text = models.TextField(
        blank=True,
        validators=[validate_markdown],
        help_text="The reservation or objection in the delegation's words (Markdown).",
    )
    for_the_record = models.BooleanField(
        default=False,
        help_text="A reservation the secretariat accepted for the record (printed as a footnote).",
    )
    # Incremented on every save; the position form carries the revision it showed.
    revision = models.PositiveIntegerField(default=1)

    history = tracked()

    class Meta:
        ordering = ["practice", "delegation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "delegation"], name="position_once_per_delegation"
            ),
            models.CheckConstraint(
                condition=Q(for_the_record=False) | Q(stance="reservation"),
                name="position_only_reservations_on_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegation} on practice #{self.practice_id}: {self.get_stance_display()}"

    @property
    def footnote_lead(self) -> str:
        """The words before the statement in the text's footnote (reservation_lead)."""
        return reservation_lead(self.delegation.name)


class Agreement(models.Model):
    """The secretariat's record that a practice's text is agreed ad referendum or agreed.

    It holds for the revision of the text it names (``text_revision``): an edit
    makes a new revision, so the agreement lapses without anything being
    rewritten, and the practice is back under negotiation or proposed
    (drafting.reads.positions.practice_standings says which, and why).
    """

    class Status(models.TextChoices):
        NONE = "none", "Not agreed"
        AD_REFERENDUM = "ad_referendum", "Agreed ad referendum"
        AGREED = "agreed", "Agreed"

    # As for positions: a deleted practice keeps its record, and gets it back on restore.
    practice = models.OneToOneField(
        Practice, on_delete=models.DO_NOTHING, db_constraint=False, related_name="agreement"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NONE)
    text_revision = models.PositiveIntegerField(help_text="The revision of the practice agreed.")
    meeting = models.ForeignKey(
        "drafting.ReviewMeeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The meeting at which it was agreed, if any.",
    )
    revision = models.PositiveIntegerField(default=1)

    history = tracked()

    class Meta:
        ordering = ["practice"]

    def __str__(self) -> str:
        return f"Practice #{self.practice_id}: {self.get_status_display()}"
