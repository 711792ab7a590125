"""Lifecycle pages: section and document transitions, and named versions.

One view serves every transition of a kind: the URL carries the transition's
name (from the state tables in drafting.workflow), GET shows what the step
needs (a reason, a meeting, a date) and what blocks it, POST takes it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from drafting import actions, limits, permissions, workflow
from drafting.export import html as export_html
from drafting.export import snapshot
from drafting.forms import TransitionForm, VersionForm
from drafting.history import points
from drafting.models import Document, Section, Version
from drafting.reads import access
from drafting.reads import agreement as agreement_reads
from drafting.reads.silence import procedures_of_version
from drafting.views.common import form_status, safe_next


def _data(request: HttpRequest):
    """The POST data of a form submission (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def _transition_page(
    request: HttpRequest,
    obj: Section | Document,
    transition: workflow.Transition,
    function,
    document: Document,
) -> HttpResponse:
    permissions.refuse_if(workflow.why_cannot(request.user, obj, transition.name))
    # Back to the page the button was on (dashboard, section or document page).
    back = safe_next(request, obj.get_absolute_url())
    revision = obj.revision if isinstance(obj, Section) else None
    still_open = _still_open(obj, transition)
    not_agreed = len(still_open.not_agreed) if still_open else 0
    form = TransitionForm(
        _data(request),
        transition=transition,
        document=document,
        revision=revision,
        not_agreed=not_agreed,
    )
    refusal, status = "", form_status(request, form)
    if request.method == "POST" and form.is_valid():
        try:
            function(obj.pk, by=request.user, **form.arguments())
        except actions.StaleRevision as stale:
            # The page comes back for the section as it is now; taking the step again
            # is a deliberate choice made with the current state in view.
            obj, refusal, status = stale.current, str(stale), 409
            still_open = _still_open(obj, transition)
            form = TransitionForm(
                transition=transition,
                document=document,
                revision=stale.current.revision,
                not_agreed=len(still_open.not_agreed) if still_open else 0,
            )
        except ValidationError as error:
            _add_errors(form, error)
            status = 422
        else:
            messages.success(request, f"“{obj}” {transition.done}.")
            return redirect(back)
    available = next(
        (a for a in workflow.available_transitions(request.user, obj) if a.name == transition.name),
        None,
    )
    return render(
        request,
        "drafting/workflow/transition.html",
        {
            "object": obj,
            "document": document,
            "transition": transition,
            "target_label": type(obj).Status(transition.target).label,
            "available": available,
            "form": form,
            "refusal": refusal,
            "back": back,
            "still_open": still_open,
        },
        status=status,
    )


def _still_open(
    obj: Section | Document, transition: workflow.Transition
) -> agreement_reads.StillOpen | None:
    """What the confirmation lists before approving a section or marking a document final."""
    if isinstance(obj, Section) and transition.name == "approve":
        return agreement_reads.before_approving(obj)
    if isinstance(obj, Document) and transition.name == "finalise":
        return agreement_reads.before_marking_final(obj)
    return None


def _add_errors(form, error: ValidationError) -> None:
    """Put a refusal next to the field it names, or above the form when the form has no
    such field (the page was shown before the state changed)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def section_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    section = access.section_for(request.user, pk)
    return _transition_page(
        request,
        section,
        workflow.SECTION_TRANSITIONS[name],
        actions.SECTION_FUNCTIONS[name],
        section.document,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_transition(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    document = access.document_for(request.user, slug)
    return _transition_page(
        request,
        document,
        workflow.DOCUMENT_TRANSITIONS[name],
        actions.DOCUMENT_FUNCTIONS[name],
        document,
    )


@login_required
def version_list(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    versions = (
        Version.objects.filter(document=document)
        .select_related("created_by", "meeting")
        .order_by("-taken_at", "-id")
    )
    return render(
        request,
        "drafting/workflow/versions.html",
        {
            "document": document,
            "versions": versions,
            "can_name_version": permissions.can_name_version(request.user, document),
            "can_view_history": permissions.can_export_history(request.user, document),
        },
    )


@login_required
def version_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A named version read on screen, laid out exactly like its HTML export.

    The text is rebuilt from history at the version's moment (history's rule: not
    for the public). A version of another document is a 404.
    """
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_export_history)
    version = access.version_for(request.user, pk, document=document)
    model = snapshot.build(document, points.of_version(version))
    return render(
        request,
        "drafting/workflow/version_detail.html",
        {
            "document": document,
            "version": version,
            "can_view_history": True,
            # Silence procedure (issue 15): "agreed under silence procedure" on its page.
            "silence_procedures": procedures_of_version(version),
            **export_html.context(model),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_create(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug)
    permissions.refuse_if(permissions.why_cannot_name_version(request.user, document))
    form = VersionForm(_data(request), document=document)
    if request.method == "POST" and form.is_valid():
        try:
            limits.spend(request, "versions")
            version = actions.name_version(
                document,
                by=request.user,
                name=form.cleaned_data["name"],
                note=form.cleaned_data["note"],
                meeting=form.cleaned_data["meeting"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Version “{version}” named.")
            return redirect("drafting:version-list", slug=document.slug)
    return render(
        request,
        "drafting/workflow/version_form.html",
        {"document": document, "form": form},
        status=form_status(request, form),
    )
