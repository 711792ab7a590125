"""Downloads: the document (now, at a version, at a meeting's opening) and redlines.

A file already made for the same text comes from the exports cache; a PDF (or
a large Word file) is made by a job while the person waits on its page
(drafting/export/jobs.py), so no request typesets.

Every drafting role may download; everyone else only the current text of an
adopted document (the published text): drafting.reads.access applies the rules.
A point that does not exist is a 404; one that cannot be exported (a date
before the document existed, a redline that ends before it starts) is a 400
page that says why.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from drafting import export, permissions
from drafting.actions import exports as job_actions
from drafting.export import jobs
from drafting.forms import RedlineForm
from drafting.history import points
from drafting.models import Document, ExportJob, ReviewMeeting, Version
from drafting.reads import access


def _document(request: HttpRequest, slug: str, *, historical: bool) -> Document:
    """The document, if the user may have its past (``historical``) or its current text."""
    if historical:
        return access.document_for(request.user, slug, rule=permissions.why_cannot_export_history)
    return access.document_for(request.user, slug)


def _point(request: HttpRequest, document: Document) -> points.Point:
    """The point named by the query string: ?version=ID, ?meeting=ID or ?at=ISO (else now)."""
    if version_id := request.GET.get("version"):
        if not (version_id.isascii() and version_id.isdigit()):
            raise Http404("No such version.")
        return points.of_version(access.version_for(request.user, version_id, document=document))
    if meeting_id := request.GET.get("meeting"):
        if not (meeting_id.isascii() and meeting_id.isdigit()):
            raise Http404("No such meeting.")
        meeting = access.meeting_for(
            request.user, meeting_id, document=document, rule=permissions.why_cannot_export_history
        )
        return points.of_meeting(meeting)
    if at := request.GET.get("at"):
        return points.typed_moment(at)
    return points.NOW


def _file(exported: export.Exported) -> HttpResponse:
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exported.filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def document_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in export.FORMATS:
        raise Http404("Unknown export format.")
    historical = bool({"version", "meeting", "at"} & set(request.GET))
    document = _document(request, slug, historical=historical)
    try:
        outcome = jobs.serve(
            document,
            fmt,
            _point(request, document),
            by=request.user,
            source_url=request.get_full_path(),
        )
    except points.PointError as error:
        return _exports_page(request, document, error=str(error), status=400)
    except job_actions.TooManyJobs as error:
        return _exports_page(request, document, error=str(error), status=error.status)
    return _file_or_job(outcome, document)


@login_required
@require_GET
def document_exports(request: HttpRequest, slug: str) -> HttpResponse:
    document = _document(request, slug, historical=True)
    return _exports_page(request, document)


@login_required
@require_GET
def document_redline(request: HttpRequest, slug: str) -> HttpResponse:
    document = _document(request, slug, historical=True)
    versions, meetings = _versions_and_meetings(document)
    form = RedlineForm(request.GET, document=document, versions=versions, meetings=meetings)
    if not form.is_valid():
        return _exports_page(request, document, form=form, status=400)
    data = form.cleaned_data
    try:
        outcome = jobs.serve(
            document,
            data["format"],
            data["end_point"],
            redline_from=data["start_point"],
            by=request.user,
            source_url=request.get_full_path(),
        )
    except points.PointError as error:
        form.add_error(None, str(error))
        return _exports_page(request, document, form=form, status=400)
    except job_actions.TooManyJobs as error:
        form.add_error(None, str(error))
        return _exports_page(request, document, form=form, status=error.status)
    return _file_or_job(outcome, document)


def _file_or_job(outcome: export.Exported | ExportJob, document: Document) -> HttpResponse:
    if isinstance(outcome, ExportJob):
        return redirect("drafting:export-job", slug=document.slug, token=outcome.token)
    return _file(outcome)


def _job(request: HttpRequest, slug: str, token: str) -> tuple[Document, ExportJob]:
    """The job and its document; 404 for another person's job, the document's rule otherwise."""
    job = get_object_or_404(ExportJob.objects.select_related("document"), token=token)
    mine = job.requested_by_id == (request.user.pk if request.user.is_authenticated else None)
    if job.document.slug != slug or not mine:
        raise Http404("No such export.")
    return _document(request, slug, historical=job.historical), job


@require_GET
def export_job(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The page of an export being made: waiting (with how many ahead), being made, ready
    (with the file), or failed (saying why, with "try again"). htmx polls its status part;
    without JavaScript the page refreshes itself."""
    document, job = _job(request, slug, token)
    if job.active:
        jobs.kick()
    status = jobs.status(job)
    context = {"document": document, "status": status}
    if request.htmx:
        if status.available and request.GET.get("fetch"):
            # Ready while the person watched: export_job.js fetches the file for them.
            context["fetch_url"] = reverse(
                "drafting:export-job-file", kwargs={"slug": slug, "token": token}
            )
        return render(request, "drafting/exports/job.html#status", context)
    return render(request, "drafting/exports/job.html", context)


@require_GET
def export_job_file(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The finished file of a job; back to the job page (which says so) if it is not there."""
    _, job = _job(request, slug, token)
    exported = jobs.cached(job.digest) if job.state == ExportJob.State.DONE else None
    if exported is None:
        return redirect("drafting:export-job", slug=slug, token=token)
    return _file(exported)


def _versions_and_meetings(document: Document) -> tuple[list[Version], list[ReviewMeeting]]:
    return (
        list(Version.objects.filter(document=document).order_by("taken_at", "id")),
        list(ReviewMeeting.objects.filter(document=document).order_by("starts_on", "id")),
    )


def _exports_page(
    request: HttpRequest,
    document: Document,
    *,
    form: RedlineForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    versions, meetings = _versions_and_meetings(document)
    historical = permissions.can_export_history(request.user, document)
    if form is None and historical:
        form = RedlineForm(document=document, versions=versions, meetings=meetings)
    return render(
        request,
        "drafting/exports/exports.html",
        {
            "document": document,
            "formats": list(export.LABELS.items()),
            "versions": [(v, points.of_version(v)) for v in versions] if historical else [],
            "meetings": [(m, points.of_meeting(m)) for m in meetings] if historical else [],
            "form": form if historical else None,
            "error": error,
        },
        status=status,
    )
