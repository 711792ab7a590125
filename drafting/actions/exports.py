"""Export jobs: starting one, the site-wide limit on running ones, progress, the outcome.

Jobs are not draft content (not history-tracked); these are still their only
writers, each in one transaction that locks and re-reads the rows it changes.
The order of the job table (its ids) is the queue; at most
``settings.EXPORT_MAX_RUNNING`` jobs run at once on the whole site, whichever
process runs them. What a job *does* is in drafting/export/jobs.py.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from drafting.history.points import Point
from drafting.models import Document, ExportJob
from drafting.permissions import (
    refuse_if,
    why_cannot_export_history,
    why_cannot_view_document,
)

KEEP_FINISHED = timedelta(days=7)
STOPPED = (
    "The export stopped before it finished: the server process making it ended "
    "(a restart or a lack of memory). Try again."
)


def point_data(point: Point | None) -> dict | None:
    """A Point as JSON-ready data (stored on the job, read back by ``point_from``)."""
    if point is None:
        return None
    return {
        "kind": point.kind,
        "label": point.label,
        "slug": point.slug,
        "when": point.when.isoformat() if point.when else None,
    }


def point_from(data: dict | None) -> Point | None:
    if data is None:
        return None
    when = datetime.fromisoformat(data["when"]) if data["when"] else None
    return Point(data["kind"], data["label"], data["slug"], when)


class TooManyJobs(Exception):
    """A person asked for more exports at once than EXPORT_JOBS_PER_USER; nothing was queued."""

    status = 429


@transaction.atomic
def start_job(
    document: Document,
    fmt: str,
    point: Point,
    *,
    redline_from: Point | None,
    by,
    source_url: str,
    label: str,
    practices: int,
    digest: str = "",
) -> ExportJob:
    """A queued job making ``document`` at ``point`` in ``fmt`` for ``by`` (anonymous: None).

    The same request for the same text (``digest``: the snapshot's, see
    drafting.export.jobs.digest) while the same person's identical job is still
    waiting or running gives back that job rather than a second one (a double
    click queues one PDF); after an edit the digest differs, so the edited text is
    never answered with a job that read the text before it. Raises
    PermissionDenied, in the rule's words, if ``by`` may not download it (a point
    in the past or a redline needs ``can_export_history``), and TooManyJobs when
    ``by`` already has settings.EXPORT_JOBS_PER_USER jobs waiting or running.
    """
    historical = redline_from is not None or point.kind != "now"
    refuse_if(
        why_cannot_export_history(by, document)
        if historical
        else why_cannot_view_document(by, document)
    )
    user = by if getattr(by, "is_authenticated", False) else None
    fields = {
        "format": fmt,
        "point": point_data(point),
        "redline_from": point_data(redline_from),
    }
    key = json.dumps([document.pk, user.pk if user else None, fields, digest], sort_keys=True)
    key = hashlib.sha256(key.encode()).hexdigest()
    same = (
        ExportJob.objects.select_for_update()
        .filter(state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING], request_key=key)
        .order_by("id")
        .first()
    )
    if same is not None:
        return same
    if user is not None:
        # One person's queue of different moments must not hold everyone else's PDF up.
        allowed = settings.EXPORT_JOBS_PER_USER
        active = ExportJob.objects.filter(
            requested_by=user, state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING]
        ).count()
        if active >= allowed:
            raise TooManyJobs(
                f"You already have {active} exports waiting or being made; at most {allowed} "
                "can wait for one person. Your earlier exports are on their way: download "
                "them, then ask for this one again."
            )
    # Finished jobs are kept a while for their pages ("Ready", "failed: why"), not for ever.
    ExportJob.objects.filter(
        state__in=[ExportJob.State.DONE, ExportJob.State.FAILED],
        finished_at__lt=timezone.now() - KEEP_FINISHED,
    ).delete()
    return ExportJob.objects.create(
        **fields,
        document=document,
        requested_by=user,
        request_key=key,
        token=secrets.token_urlsafe(24),
        historical=historical,
        source_url=source_url,
        label=label,
        practices=practices,
        created_at=timezone.now(),
    )


@transaction.atomic
def claim_next(*, now: datetime | None = None) -> ExportJob | None:
    """Start the oldest waiting job if fewer than EXPORT_MAX_RUNNING run; None otherwise.

    Every active job is locked first, so two processes claiming at once on
    PostgreSQL wait for each other and count the same running jobs (SQLite's
    IMMEDIATE transactions already let one writer in at a time).
    """
    now = now or timezone.now()
    active = list(
        ExportJob.objects.select_for_update()
        .filter(state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING])
        .order_by("id")
    )
    running = sum(1 for job in active if job.state == ExportJob.State.RUNNING)
    waiting = [job for job in active if job.state == ExportJob.State.QUEUED]
    if running >= settings.EXPORT_MAX_RUNNING or not waiting:
        return None
    job = waiting[0]
    job.state = ExportJob.State.RUNNING
    job.phase = "Starting"
    job.started_at = job.heartbeat_at = now
    job.attempts += 1
    job.save()
    return job


@transaction.atomic
def record_progress(job_id: int, phase: str = "", *, now: datetime | None = None) -> None:
    """A sign of life from a running job, with what it is doing now (``phase``, if given)."""
    job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.state != ExportJob.State.RUNNING:
        return  # declared stopped meanwhile: its outcome stays as recorded
    job.heartbeat_at = now or timezone.now()
    if phase:
        job.phase = phase
    job.save()


@transaction.atomic
def finish_job(job_id: int, *, digest: str, filename: str, content_type: str) -> None:
    """The job's file is in the exports cache under ``digest``."""
    job = ExportJob.objects.select_for_update().get(pk=job_id)
    job.state = ExportJob.State.DONE
    job.phase, job.error = "", ""
    job.digest, job.filename, job.content_type = digest, filename, content_type
    job.finished_at = job.heartbeat_at = timezone.now()
    job.save()


@transaction.atomic
def fail_job(job_id: int, message: str) -> None:
    """The job failed; ``message`` says why in words the person waiting understands."""
    job = ExportJob.objects.select_for_update().get(pk=job_id)
    if job.state == ExportJob.State.DONE:
        return
    job.state = ExportJob.State.FAILED
    job.phase, job.error = "", message
    job.finished_at = timezone.now()
    job.save()


@transaction.atomic
def fail_stale_jobs(*, now: datetime | None = None) -> int:
    """Start again, or mark failed, every running job silent for EXPORT_JOB_STALE_SECONDS.

    A running job's thread records a sign of life about every second while its
    child typesets; silence means the process running it died (a worker
    restart, a kill for memory), so nobody else will ever finish it. It goes back
    to the queue (at its old place) until it has been started
    EXPORT_JOB_ATTEMPTS times, then it fails, saying so. Returns how many.
    """
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.EXPORT_JOB_STALE_SECONDS)
    stale = list(
        ExportJob.objects.select_for_update().filter(
            state=ExportJob.State.RUNNING, heartbeat_at__lt=limit
        )
    )
    for job in stale:
        if job.attempts < settings.EXPORT_JOB_ATTEMPTS:
            job.state = ExportJob.State.QUEUED
            job.phase = "Starting again: the process making it ended"
            job.started_at = job.heartbeat_at = None
        else:
            job.state = ExportJob.State.FAILED
            job.phase, job.error = "", STOPPED
            job.finished_at = now
        job.save()
    return len(stale)
