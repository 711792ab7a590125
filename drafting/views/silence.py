"""Silence procedure pages (issue 15): placing a version under silence, its page, and the
buttons on it (break, conclude, end). Each view: access helper -> form -> one action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting import actions, permissions
from drafting.forms import BreakSilenceForm, EndSilenceForm, SilenceForm
from drafting.reads import access
from drafting.reads.silence import AGREED, BROKEN, RUNNING, silence_page
from drafting.views.common import form_status


def _add_errors(form, error: ValidationError) -> None:
    found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, problems in found.items():
        form.add_error(field if field in form.fields else None, problems)


@login_required
@require_http_methods(["GET", "POST"])
def silence_create(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    permissions.refuse_if(permissions.why_cannot_manage_silence(request.user, document))
    form = SilenceForm(request.POST or None, document=document)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            procedure = actions.open_silence(
                document,
                by=request.user,
                version=data["version"],
                deadline=data["deadline"],
                deadline_zone=data["deadline_zone"],
                invited=data["invited"],
                note=data["note"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"“{procedure.version}” is under silence procedure.")
            return redirect(procedure.get_absolute_url())
    return render(
        request,
        "drafting/silence/form.html",
        {"document": document, "form": form},
        status=form_status(request, form),
    )


def _detail(
    request: HttpRequest,
    pk: int,
    *,
    break_form: BreakSilenceForm | None = None,
    end_form: EndSilenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    page = silence_page(pk, now=timezone.now())
    if page is None:
        raise Http404("No such silence procedure.")
    procedure, document = page.procedure, page.procedure.document
    is_open = not procedure.closed
    invited_ids = {d.pk for d in page.invited}
    own = permissions.delegation_of(user)
    broke = {b.delegation_id for b in page.breaks}
    manage = permissions.can_manage_silence(user, document)
    can_break = (
        is_open
        and page.outcome != AGREED
        and permissions.why_cannot_break_silence(user, document, invited_ids) is None
        and own is not None
        and own.pk not in broke
    )
    return render(
        request,
        "drafting/silence/detail.html",
        {
            "document": document,
            "page": page,
            "procedure": procedure,
            "running": page.outcome == RUNNING,
            "broken": page.outcome == BROKEN,
            "agreed": page.outcome == AGREED,
            "can_break": can_break,
            "can_conclude": manage and is_open and page.outcome == AGREED,
            "can_end": manage and is_open and page.outcome == BROKEN,
            "break_form": break_form or BreakSilenceForm(),
            "end_form": end_form or EndSilenceForm(),
        },
        status=status,
    )


@login_required
@require_safe
def silence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.silence_for(request.user, pk)
    return _detail(request, pk)


@login_required
@require_POST
def silence_break(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = access.silence_for(request.user, pk)
    invited = set(procedure.invited.values_list("pk", flat=True))
    reason = permissions.why_cannot_break_silence(request.user, procedure.document, invited)
    permissions.refuse_if(reason)
    form = BreakSilenceForm(request.POST)
    if form.is_valid():
        try:
            actions.break_silence(procedure, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your delegation has broken silence; the others are told.")
            return redirect(procedure.get_absolute_url())
    return _detail(request, pk, break_form=form, status=422)


@login_required
@require_POST
def silence_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = access.silence_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_manage_silence(request.user, procedure.document))
    try:
        concluded, changed = actions.conclude_silence(procedure, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if changed:
            messages.success(request, "Agreed under silence procedure; the document is final.")
        else:
            messages.info(
                request,
                f"This procedure was already closed ({concluded.get_closed_display().lower()}); "
                "nothing was changed.",
            )
    return redirect(procedure.get_absolute_url())


@login_required
@require_POST
def silence_end(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = access.silence_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_manage_silence(request.user, procedure.document))
    form = EndSilenceForm(request.POST)
    if form.is_valid():
        try:
            actions.end_silence(procedure, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            if "note" in getattr(error, "error_dict", {}):
                _add_errors(form, error)
                return _detail(request, pk, end_form=form, status=422)
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The silence procedure is ended; the text can change again.")
        return redirect(procedure.get_absolute_url())
    return _detail(request, pk, end_form=form, status=422)
