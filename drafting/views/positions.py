"""Positions: a delegation's position on a practice (htmx in place, or a plain form page),
the secretariat's record of reservations, and the matrix page with its CSV and Word files.

Who sees what is drafting.permissions' rule: the secretariat every delegation, an
expert their own delegation; observers no positions. With htmx the write views
answer with the practice's positions block again; without, a redirect (or the
form page with the reason when something was refused).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting import actions, permissions, reads
from drafting.forms import AgreementForm, PositionForm, RecordForm
from drafting.models import Agreement, Document, Practice
from drafting.reads import access
from drafting.views.common import object_id, safe_next


def _rights(user, document: Document) -> dict:
    """The booleans drafting/positions/_practice.html asks, and the meetings it may offer."""
    can_agree = permissions.can_record_agreement(user, document)
    return {
        "own_delegation": permissions.delegation_of(user),
        "can_state_position": permissions.can_state_position(user, document),
        "sees_all_positions": permissions.sees_all_positions(user),
        "can_record": permissions.can_record_reservation(user, document),
        "can_record_agreement": can_agree,
        "agreement_statuses": Agreement.Status.choices,
        "meetings": list(document.meetings.order_by("starts_on", "id")) if can_agree else [],
    }


def practice_positions_context(user, practice: Practice, number: int, entry=None) -> dict:
    """What drafting/positions/_practice.html needs for one practice."""
    return {
        "practice": practice,
        "number": number,
        "document": practice.section.document,
        "entry": entry,
        **_rights(user, practice.section.document),
    }


def section_positions_context(user, section, practices: list[Practice] | None = None) -> dict:
    """What the section page adds for positions and agreement: two queries (three for the
    secretariat, who is offered the meetings), none without the right to see positions."""
    document = section.document
    if not permissions.can_view_positions(user, document):
        return {"show_positions": False}
    return {
        "show_positions": True,
        "positions": reads.positions_for_section(section, user, practices),
        **_rights(user, document),
    }


def _number(practice: Practice) -> int:
    return reads.practice_numbers(practice.section.document_id).get(practice.pk, 0)


def _entry(user, practice: Practice):
    return reads.positions_for_section(practice.section, user).get(practice.pk)


def _back(practice: Practice) -> str:
    return f"{practice.section.get_absolute_url()}#positions-{practice.pk}"


def _render(
    request: HttpRequest, practice: Practice, template: str, extra: dict, status: int
) -> HttpResponse:
    context = practice_positions_context(
        request.user, practice, _number(practice), _entry(request.user, practice)
    )
    return render(request, template, {**context, **extra}, status=status)


def _block(
    request: HttpRequest, practice: Practice, *, form=None, error: str = "", status: int = 200
) -> HttpResponse:
    """The practice's positions block (htmx), with the form's errors when it was refused."""
    extra = {"form": form, "error": error}
    return _render(request, practice, "drafting/positions/_practice.html", extra, status)


def _page(
    request: HttpRequest, practice: Practice, *, form=None, error: str = "", status: int = 200
) -> HttpResponse:
    """The plain form page (no JavaScript, or a refused submission)."""
    extra = {"document": practice.section.document, "form": form, "error": error}
    return _render(request, practice, "drafting/positions/practice.html", extra, status)


@login_required
@require_http_methods(["GET", "POST"])
def position_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Show (GET) or record (POST) the user's delegation's position on a practice."""
    practice = access.practice_for(request.user, pk, rule=permissions.why_cannot_view_positions)
    document = practice.section.document
    if request.method == "GET":
        return _page(request, practice)
    permissions.refuse_if(permissions.why_cannot_state_position(request.user, document))
    respond = _block if request.htmx else _page
    form = PositionForm(request.POST)
    if not form.is_valid():
        return respond(request, practice, form=form, status=422)
    data = form.cleaned_data
    try:
        position = actions.state_position(
            practice,
            by=request.user,
            delegation=data["delegation"],
            stance=data["stance"],
            text=data["text"],
            seen_revision=data["seen_revision"],
        )
    except actions.StaleRevision as stale:
        return respond(request, practice, error=str(stale), status=409)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return respond(request, practice, form=form, status=422)
        return respond(request, practice, form=form, error=" ".join(error.messages), status=422)
    if request.htmx:
        return _block(request, practice)
    stance = position.get_stance_display()
    messages.success(request, f"Position of {position.delegation.name} recorded: {stance}.")
    return redirect(safe_next(request, _back(practice)))


@login_required
@require_POST
def reservation_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat accepts a reservation for the record, or takes it off."""
    position = access.position_for(request.user, pk, rule=permissions.why_cannot_record_reservation)
    practice = position.practice
    form = RecordForm(request.POST)
    problem = ""
    if not form.is_valid():
        problem = " ".join(e for errors in form.errors.values() for e in errors)
    else:
        try:
            actions.record_reservation(
                position,
                by=request.user,
                on_record=form.cleaned_data["on_record"],
                seen_revision=form.cleaned_data["seen_revision"],
            )
        except (actions.StaleRevision, ValidationError) as error:
            problem = (
                str(error) if isinstance(error, actions.StaleRevision) else " ".join(error.messages)
            )
    if request.htmx:
        return _block(request, practice, error=problem, status=422 if problem else 200)
    if problem:
        messages.error(request, problem)
    elif form.cleaned_data["on_record"]:
        messages.success(request, f"Reservation of {position.delegation.name} is on the record.")
    else:
        messages.success(request, f"Reservation of {position.delegation.name} is off the record.")
    return redirect(safe_next(request, _back(practice)))


@login_required
@require_POST
def agreement_set(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat records a practice agreed ad referendum, agreed, or not agreed."""
    practice = access.practice_for(request.user, pk, rule=permissions.why_cannot_record_agreement)
    document = practice.section.document
    form = AgreementForm(request.POST, document=document)
    problem = ""
    if not form.is_valid():
        problem = " ".join(e for errors in form.errors.values() for e in errors)
    else:
        data = form.cleaned_data
        try:
            agreement = actions.record_agreement(
                practice,
                by=request.user,
                status=data["status"],
                meeting=data["meeting"],
                seen_revision=data["seen_revision"],
            )
        except actions.StaleRevision as stale:
            problem = str(stale)
        except ValidationError as error:
            problem = " ".join(error.messages)
    if request.htmx:
        return _block(request, practice, error=problem, status=422 if problem else 200)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(
            request,
            f"{practice.section.document.label(_number(practice))}: "
            f"{agreement.get_status_display().lower()}.",
        )
    return redirect(safe_next(request, _back(practice)))


def _matrix(request: HttpRequest, slug: str):
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_positions)
    only = request.GET.get("only", "")
    if only not in reads.FILTERS:
        raise Http404("No such filter.")
    raw_section = request.GET.get("section") or ""
    section_id = object_id(raw_section) if raw_section else None
    return reads.position_matrix(document, request.user, only=only, section_id=section_id)


@login_required
@require_safe
def position_matrix(request: HttpRequest, slug: str) -> HttpResponse:
    """Delegations × practices, with the filters of reads.FILTERS and by section."""
    matrix = _matrix(request, slug)
    return render(
        request,
        "drafting/positions/matrix.html",
        {
            "document": matrix.document,
            "matrix": matrix,
            "filters": reads.FILTERS,
            "sees_all_positions": permissions.sees_all_positions(request.user),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_safe
def position_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The matrix as shown (same filters) as CSV or Word."""
    if fmt not in {"csv", "docx"}:
        raise Http404("Positions are exported as CSV or Word (docx).")
    # The Word writer (python-docx) loads on the first export, not with the URLconf.
    from drafting.export import positions as position_files

    matrix = _matrix(request, slug)
    if fmt == "csv":
        content, content_type = position_files.matrix_csv(matrix), position_files.CSV_CONTENT_TYPE
    else:
        content = position_files.matrix_docx(matrix)
        content_type = position_files.DOCX_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    name = position_files.filename(matrix, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
