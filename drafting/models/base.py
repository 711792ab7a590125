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

    @property
    def author(self):
        """Who made this change, named the one way (drafting.history.record.Author)."""
        from drafting.history.record import author_of  # history imports the models

        return author_of(self)


class _OrderedHistory(HistoricalRecords):
    """simple-history, ordered by history_id rather than by history_date.

    history_id is the order of changes (drafting.history.order): it does not
    depend on the clock of the process that wrote a row, and it has no ties. So
    ``.latest()``, ``.first()`` and a history QuerySet's default order follow the
    same rule as every explicit read.
    """

    def get_meta_options(self, model) -> dict:
        options = super().get_meta_options(model)
        options["ordering"] = ("-history_id",)
        options["get_latest_by"] = "history_id"
        # "Each object's latest row (as of T)" is the question every page asks
        # (drafting.history.order). With (id, history_id) it is a short backward
        # index scan per object whatever the table's size, and the planner needs
        # no statistics to see it: without this, PostgreSQL right after a bulk
        # import scanned the whole table once per practice (issue 13).
        options["indexes"] = [
            *options.get("indexes", []),
            models.Index(
                fields=["id", "history_id"], name=f"hist_{model._meta.model_name}_latest"[:30]
            ),
        ]
        if any(f.name == "section" for f in model._meta.fields):
            # A section's history page reads the rows in it newest first, a page at a time.
            options["indexes"].append(
                models.Index(
                    fields=["section_id", "history_id"],
                    name=f"hist_{model._meta.model_name}_section"[:30],
                )
            )
        return options


def tracked(**kwargs) -> HistoricalRecords:
    """The one way a model declares its history."""
    return _OrderedHistory(bases=[HistoryExtras], **kwargs)
