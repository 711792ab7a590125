"""Exports that never starve the site: the cache of finished files and the export jobs.

``serve()`` is what the download views call. It builds the export model (the
snapshot, a fixed number of queries, ~60 ms for 400 practices) and looks its
digest up in the exports cache (settings.CACHES["exports"], shared by every
process on the host): the same text in the same format is never made twice.
Markdown, HTML and small Word files are then made in the request. A PDF (and a
Word file of more than EXPORT_DIRECT_MAX_PRACTICES practices) becomes an
``ExportJob``: the request answers at once with a page that shows the job's
progress, and the file is made outside the request:

- ``kick()`` starts waiting jobs while fewer than EXPORT_MAX_RUNNING run on the
  whole site (the queue and the count are in the database, so every process
  agrees). Each runs in a thread of the process that started it; the thread
  builds the Typst source and waits for the child process that typesets it
  (pdf.py: lower priority, time limit, memory returned when it exits), noting
  a sign of life every second. When it ends it starts the next waiting job.
- No daemon: the job page calls ``kick()`` on every poll, which also puts back
  in the queue (or, after EXPORT_JOB_ATTEMPTS starts, marks failed) a running
  job silent for EXPORT_JOB_STALE_SECONDS (its process died), so a job is never
  left waiting for a process that is gone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import close_old_connections, connections
from django.db.models import Q
from django.utils import timezone

from drafting.actions import exports as job_actions
from drafting.export import LABELS, Exported, build, pdf, render, writer
from drafting.export.snapshot import ExportDocument
from drafting.export.typesetter import TypesetError
from drafting.history.points import Point, PointError
from drafting.models import Document, ExportJob

log = logging.getLogger(__name__)

FAILED = (
    "The export failed because of an error in the application (it has been logged). "
    "Try again; if it fails again, tell the secretariat."
)


@cache
def code_version() -> str:
    """A digest of the exporters' code and fonts: a new release never serves an old file."""
    folder = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    for path in sorted((folder / "fonts").glob("*")):
        digest.update(path.name.encode() + str(path.stat().st_size).encode())
    return digest.hexdigest()[:16]


def digest(model: ExportDocument, fmt: str) -> str:
    """The exports cache key: everything that decides the file's bytes, and nothing else.

    The snapshot's whole content (texts, numbers, cover, DRAFT notice, redline
    marks), the format and the code version. Not the moment the export was
    asked for: "now" an hour later is the same text if nothing changed (the
    date printed on it, ``what``, is part of the key).
    """
    data = dataclasses.asdict(model)
    for moment in ("at", "generated_at"):
        data.pop(moment)
    if data["redline"]:
        data["redline"].pop("end_at")
    data["what"] = model.what
    blob = json.dumps([fmt, code_version(), data], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def exports_cache() -> BaseCache:
    """The cache of finished files (settings.CACHES["exports"]), shared by the host's processes."""
    return caches["exports"]


def cached(key: str) -> Exported | None:
    """The finished file under ``key``, or None (never made, or culled from the bounded cache)."""
    hit = exports_cache().get(key)
    return Exported(**hit) if hit else None


def store(key: str, exported: Exported) -> None:
    """Keep ``exported`` under ``key`` (the bounded cache may cull it later: jobs say so)."""
    exports_cache().set(key, dataclasses.asdict(exported))


def needs_job(fmt: str, model: ExportDocument) -> bool:
    """PDFs always (typesetting takes seconds and memory), Word files above a size."""
    if fmt == "pdf":
        return True
    return fmt == "docx" and len(model.practices) > settings.EXPORT_DIRECT_MAX_PRACTICES


def serve(
    document: Document,
    fmt: str,
    point: Point,
    *,
    redline_from: Point | None = None,
    by,
    source_url: str,
) -> Exported | ExportJob:
    """The file, from the cache or made now, or the job that is making it.

    ``by`` is the requesting user (anonymous for the public adopted text),
    ``source_url`` the download link (the job page's "try again"). Raises
    PointError (a message to show) for a point that cannot be exported, and
    PermissionDenied if ``by`` may not download it.
    """
    model = build(document, point, redline_from=redline_from)
    key = digest(model, fmt)
    hit = cached(key)
    if hit is not None:
        return hit
    if not needs_job(fmt, model):
        exported = render(model, fmt)
        store(key, exported)
        return exported
    job = job_actions.start_job(
        document,
        fmt,
        point,
        redline_from=redline_from,
        by=by,
        source_url=source_url,
        label=f"{LABELS[fmt]} of {_what(model)}",
        practices=len(model.practices),
        digest=key,
    )
    kick()
    job.refresh_from_db()
    return job


def _what(model: ExportDocument) -> str:
    what = model.what
    return what[0].lower() + what[1:] if what else what


def kick() -> None:
    """Requeue (or fail) silent jobs, then start waiting jobs while the site-wide limit allows."""
    job_actions.fail_stale_jobs()
    while (job := job_actions.claim_next()) is not None:
        if settings.EXPORT_JOBS_RUN == "inline":
            run(job)
        else:
            threading.Thread(
                target=_thread, args=(job.pk,), name=f"export-job-{job.pk}", daemon=True
            ).start()


def _thread(job_id: int) -> None:
    """A job's thread: run it, then the jobs still waiting, then give the connection back."""
    try:
        job = ExportJob.objects.select_related("document").get(pk=job_id)
        run(job)
        while (job := job_actions.claim_next()) is not None:
            run(job)
    except Exception:  # a thread's exception would only reach stderr
        log.exception("Export job thread %s failed", job_id)
    finally:
        connections.close_all()


def run(job: ExportJob) -> None:
    """Make the file of a claimed (running) job, put it in the cache, record the outcome.

    Every failure is recorded on the job in plain words (and logged when it is a bug).
    """
    try:
        job_actions.record_progress(job.pk, "Reading the text from the history")
        model = build(
            job.document,
            job_actions.point_from(job.point),
            redline_from=job_actions.point_from(job.redline_from),
        )
        key = digest(model, job.format)
        exported = cached(key)
        if exported is None:
            n = len(model.practices)
            if job.format == "pdf":
                job_actions.record_progress(job.pk, f"Typesetting {n} practices")
                content = pdf.render(model, waiting=lambda: job_actions.record_progress(job.pk))
            else:
                job_actions.record_progress(job.pk, f"Writing {n} practices")
                content = writer(job.format).render(model)
            module = writer(job.format)
            exported = Exported(content, model.filename(module.EXTENSION), module.CONTENT_TYPE)
            store(key, exported)
        job_actions.finish_job(
            job.pk,
            digest=key,
            filename=exported.filename,
            content_type=exported.content_type,
        )
    except (TypesetError, PointError) as error:
        job_actions.fail_job(job.pk, str(error))
    except Exception:
        log.exception("Export job %s failed", job.pk)
        close_old_connections()
        job_actions.fail_job(job.pk, FAILED)


@dataclasses.dataclass
class JobStatus:
    """What the job page shows."""

    job: ExportJob
    ahead: int  # jobs that will start or finish before this one starts
    seconds: int  # waiting or running for so long
    available: bool  # done, and the cache still holds the file

    @property
    def expired(self) -> bool:
        return self.job.state == ExportJob.State.DONE and not self.available


def status(job: ExportJob) -> JobStatus:
    """The job as it stands now (after ``kick()``): its place in the queue, how long, the file.

    Two queries whatever the queue's length (the job, the count ahead).
    """
    job.refresh_from_db()
    ahead = 0
    if job.state == ExportJob.State.QUEUED:
        ahead = ExportJob.objects.filter(
            Q(state=ExportJob.State.RUNNING) | Q(state=ExportJob.State.QUEUED, pk__lt=job.pk)
        ).count()
    since = job.started_at if job.state == ExportJob.State.RUNNING else job.created_at
    seconds = int((timezone.now() - since).total_seconds()) if since else 0
    # has_key() reads the entry's expiry, not the whole file.
    available = job.state == ExportJob.State.DONE and exports_cache().has_key(job.digest)
    return JobStatus(job, ahead, max(0, seconds), available)
