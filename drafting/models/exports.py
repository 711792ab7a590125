"""Export jobs: a PDF (or large Word file) being made for someone who waits for it.

Operational data, not part of the draft (like editing presence): not
history-tracked. It lives in the database so that any application process can
report a job's state, enforce the site-wide limit on concurrent typesetting and
notice a job whose process died. The finished file itself is in the exports
cache (settings.CACHES["exports"]) under ``digest``.
"""

from django.conf import settings
from django.db import models

from drafting.models.documents import Document


class ExportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Being made"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    # Unguessable: the job page is reachable by whoever started it (an anonymous
    # reader of an adopted text too), and the document's access rule is checked again.
    token = models.CharField(max_length=64, unique=True)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    format = models.CharField(max_length=8)
    # The points as data (history.points.Point fields), so any process can rebuild the model.
    point = models.JSONField()
    redline_from = models.JSONField(null=True, blank=True)
    # Digest of who asked for what (document, format, points): a double click joins the job.
    request_key = models.CharField(max_length=64, db_index=True)
    historical = models.BooleanField(default=False)  # needs can_export_history to fetch
    source_url = models.CharField(max_length=2000)  # the download link: "try again" follows it
    label = models.CharField(max_length=300, blank=True)  # "PDF of the current text"
    practices = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=200, blank=True)  # what the running job is doing
    error = models.TextField(blank=True)
    digest = models.CharField(max_length=64, blank=True)  # the exports cache key when done
    filename = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # a running job's last sign of life
    attempts = models.PositiveSmallIntegerField(default=0)  # times started (a lost process: again)

    class Meta:
        indexes = [models.Index(fields=["state", "id"])]

    def __str__(self) -> str:
        return f"{self.label or self.format} ({self.get_state_display()})"

    @property
    def active(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RUNNING}
