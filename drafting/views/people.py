"""People: the secretariat's list of accounts, invitations, roles and deactivation (issue 12).

Each view: the rule (drafting.permissions.why_cannot_manage_people, a 403 that
says why) -> form -> one call to drafting.actions.people -> message + redirect.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting import actions, limits, permissions
from drafting.forms.people import AccountReasonForm, InviteForm, PeopleFilterForm, RoleForm
from drafting.history import person as named
from drafting.reads import people as reads
from drafting.views.common import form_status, object_id


def _site(request: HttpRequest) -> str:
    """Where links in e-mails start: this site as the request reached it (the host is one
    of ALLOWED_HOSTS, as for Django's own password reset e-mails)."""
    return request.build_absolute_uri("/").rstrip("/")


def _say_how_it_went(request: HttpRequest, person, mark: int, done: str) -> None:
    """The message after an invitation: whether the mail server took the e-mail.

    It leaves when the action's transaction commits, before this runs (the outcome is
    recorded); should it still be waiting (an outer transaction), the page says so.
    """
    outcome = reads.invitation_outcome(person.pk, after=mark)
    if outcome is None:
        messages.success(request, f"{done} The invitation e-mail will go to {person.email}.")
    elif outcome.kind == outcome.Kind.INVITATION_FAILED:
        messages.error(
            request,
            f"{done} But the invitation e-mail to {person.email} could not be sent "
            f"({outcome.detail}). The account is kept; use “Send the invitation again” "
            "once the mail server works.",
        )
    else:
        messages.success(request, f"{done} The invitation e-mail went to {person.email}.")


def _refuse_unless_secretariat(request: HttpRequest) -> None:
    permissions.refuse_if(permissions.why_cannot_manage_people(request.user))


def _add_errors(form, error: ValidationError) -> None:
    found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, problems in found.items():
        form.add_error(field if field in form.fields else None, problems)


@login_required
@require_safe
def people_list(request: HttpRequest) -> HttpResponse:
    _refuse_unless_secretariat(request)
    filters = PeopleFilterForm(request.GET or None)
    delegation, role = None, ""
    if filters.is_bound and filters.is_valid():
        delegation, role = filters.cleaned_data["delegation"], filters.cleaned_data["role"]
    return render(
        request,
        "drafting/people/list.html",
        {
            "filters": filters,
            "people": list(reads.people(delegation=delegation, role=role)),
            "filtered": bool(delegation or role),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def people_invite(request: HttpRequest) -> HttpResponse:
    _refuse_unless_secretariat(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            limits.spend(request, "invitations")
            mark = reads.last_event_id()
            person = actions.invite_person(
                by=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                delegation_id=data["delegation"].pk if data["delegation"] else None,
                site=_site(request),
                reason=data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            _say_how_it_went(request, person, mark, f"{named(person)} was invited.")
            return redirect("drafting:person-detail", pk=person.pk)
    return render(
        request,
        "drafting/people/invite.html",
        {"form": form, "link_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)},
        status=form_status(request, form),
    )


def _person_page(request: HttpRequest, pk: int, *, status: int = 200, **forms) -> HttpResponse:
    page = reads.person_page(pk)
    profile = page.profile
    initial = {"role": profile.role, "delegation": profile.delegation_id} if profile else {}
    why_not = permissions.why_cannot_change_account(request.user, page.person)
    return render(
        request,
        "drafting/people/detail.html",
        {
            "page": page,
            "person": page.person,
            "who": named(page.person),
            "can_change": why_not is None,
            "why_not_change": why_not,
            "role_form": forms.get("role_form") or RoleForm(initial=initial),
            "active_form": forms.get("active_form") or AccountReasonForm(),
        },
        status=status,
    )


@login_required
@require_safe
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_unless_secretariat(request)
    return _person_page(request, object_id(str(pk)))


@login_required
@require_POST
def person_role(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_unless_secretariat(request)
    page = reads.person_page(object_id(str(pk)))
    permissions.refuse_if(permissions.why_cannot_change_account(request.user, page.person))
    form = RoleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.change_role(
                page.person.pk,
                by=request.user,
                role=data["role"],
                delegation_id=data["delegation"].pk if data["delegation"] else None,
                reason=data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{named(page.person)}'s role was changed.")
            return redirect("drafting:person-detail", pk=page.person.pk)
    return _person_page(request, page.person.pk, status=422, role_form=form)


def _switch(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    _refuse_unless_secretariat(request)
    page = reads.person_page(object_id(str(pk)))
    permissions.refuse_if(permissions.why_cannot_change_account(request.user, page.person))
    form = AccountReasonForm(request.POST)
    if form.is_valid():
        try:
            action(page.person.pk, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{named(page.person)} {done}")
            return redirect("drafting:person-detail", pk=page.person.pk)
    return _person_page(request, page.person.pk, status=422, active_form=form)


@login_required
@require_POST
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _switch(
        request, pk, actions.deactivate_person, "can no longer log in; their sessions ended."
    )


@login_required
@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _switch(request, pk, actions.reactivate_person, "can log in again.")


@login_required
@require_POST
def person_resend(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_unless_secretariat(request)
    page = reads.person_page(object_id(str(pk)))
    try:
        limits.spend(request, "invitations")
        mark = reads.last_event_id()
        actions.resend_invitation(page.person.pk, by=request.user, site=_site(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _say_how_it_went(request, page.person, mark, "Invitation sent again.")
    return redirect("drafting:person-detail", pk=page.person.pk)
