"""What every history row carries beyond simple-history's own columns."""

from django.db import models
from simple_history.models import HistoricalRecords


class HistoryExtras(models.Model):
    """Extra columns on every historical table.

    ``history_meeting`` tags a change with the meeting at which it was decided
    ("agreed at the Rabat review meeting"); it is filled from the instance's
    ``_history_meeting`` by ``drafting.signals``. No database constraint: a
    history row must outlive anything it points at.
    """

    history_meeting = models.ForeignKey(
        "drafting.ReviewMeeting",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        abstract = True


def tracked(**kwargs) -> HistoricalRecords:
    """The one way a model declares its history."""
    return HistoricalRecords(bases=[HistoryExtras], **kwargs)
