"""Square brackets: a practice's brackets page (bracket a passage, support, resolve) and the
document-wide list of open brackets. Each write view: access helper, form, one action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting import actions, brackets, permissions, reads
from drafting.forms import BracketForm, ResolveForm, SupportForm
from drafting.models import Delegation, Practice
from drafting.reads import access


def _back(practice: Practice) -> str:
    return f"{practice.section.get_absolute_url()}#practice-{practice.pk}"


def _page(
    request: HttpRequest,
    practice: Practice,
    *,
    form: BracketForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The practice's brackets page; ``form``/``error`` say what a refused request lacked."""
    document = practice.section.document
    can_edit = permissions.can_edit_section(request.user, practice.section)
    if form is None and can_edit:
        form = BracketForm(initial={"base_revision": practice.revision, "field": "heading"})
    own = permissions.delegation_of(request.user)
    resolve_form = ResolveForm(document=document) if can_edit else None
    meeting_field = resolve_form.fields["meeting"] if resolve_form else None
    return render(
        request,
        "drafting/brackets/practice.html",
        {
            "document": document,
            "practice": practice,
            "number": reads.practice_numbers(document).get(practice.pk, 0),
            "open": reads.open_brackets_of(practice),
            "names": reads.delegation_names(),
            "can_edit": can_edit,
            "own_code": own.code.upper() if own is not None else "",
            "names_delegation": permissions.is_secretariat(request.user),
            "meetings": list(meeting_field.queryset) if meeting_field else [],
            "running": meeting_field.initial if meeting_field else None,
            "delegations": list(Delegation.objects.order_by("code")) if can_edit else [],
            "form": form,
            "error": error,
        },
        status=status,
    )


def _refused(form, error: ValidationError) -> str:
    """Put a refusal's messages next to the form's fields; what has no field is returned."""
    if form is not None and hasattr(error, "error_dict"):
        rest = []
        for name, errors in error.message_dict.items():
            if name in form.fields:
                form.add_error(name, errors)
            else:
                rest.extend(errors)
        return " ".join(rest)
    return " ".join(error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def practice_brackets(request: HttpRequest, pk: int) -> HttpResponse:
    """The practice's open brackets (GET); put a passage in brackets (POST)."""
    practice = access.practice_for(request.user, pk)
    if request.method == "GET":
        return _page(request, practice)
    permissions.refuse_if(permissions.why_cannot_edit_section(request.user, practice.section))
    form = BracketForm(request.POST)
    if not form.is_valid():
        return _page(request, practice, form=form, status=422)
    data = form.cleaned_data
    try:
        actions.bracket_passage(
            practice,
            by=request.user,
            field=data["field"],
            passage=data["passage"],
            delegations=list(data["delegations"]),
            alternatives=form.alternatives(),
            base_revision=data["base_revision"],
            reason=data["reason"],
        )
    except actions.StaleRevision as stale:
        return _page(request, practice, form=form, error=str(stale), status=409)
    except ValidationError as error:
        message = _refused(form, error)
        if message:
            # The text format's rules speak of the text the bracket would make.
            form.add_error("passage", message)
        return _page(request, practice, form=form, status=422)
    messages.success(request, "The passage is now in square brackets.")
    return redirect(_back(practice))


@login_required
@require_POST
def bracket_support(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the user's delegation (the secretariat: the one named) to an alternative."""
    practice = access.practice_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_edit_section(request.user, practice.section))
    form = SupportForm(request.POST)
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        return _page(request, practice, error=" ".join(errors), status=422)
    data = form.cleaned_data
    try:
        actions.support_alternative(
            practice,
            by=request.user,
            field=data["field"],
            bracket=data["bracket"],
            alternative=data["alternative"],
            base_revision=data["base_revision"],
            delegation=data.get("delegation"),
        )
    except actions.StaleRevision as stale:
        return _page(request, practice, error=str(stale), status=409)
    except ValidationError as error:
        return _page(request, practice, error=_refused(None, error), status=422)
    messages.success(request, "Your support for the alternative is recorded in the text.")
    return redirect(_back(practice))


@login_required
@require_POST
def bracket_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Resolve a bracket: keep one alternative, merge, or drop the passage."""
    practice = access.practice_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_edit_section(request.user, practice.section))
    form = ResolveForm(request.POST, document=practice.section.document)
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        return _page(request, practice, error=" ".join(errors), status=422)
    try:
        actions.resolve_bracket(practice, by=request.user, **form.arguments())
    except actions.StaleRevision as stale:
        return _page(request, practice, error=str(stale), status=409)
    except ValidationError as error:
        return _page(request, practice, error=_refused(None, error), status=422)
    messages.success(request, "The bracket is resolved; the change is recorded in the history.")
    return redirect(_back(practice))


@require_safe
def document_brackets(request: HttpRequest, slug: str) -> HttpResponse:
    """Every open bracket of the document, by section; three queries whatever the size."""
    document = access.document_for(request.user, slug)
    listing = reads.bracket_list(document)
    return render(
        request,
        "drafting/brackets/list.html",
        {
            "document": document,
            "listing": listing,
            "fields": brackets.FIELDS,
            "can_edit": permissions.can_draft(request.user),
        },
    )
