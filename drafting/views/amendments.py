"""Amendments: propose (change, new practice, deletion), withdraw, accept, reject, list.

Also the review context the section and document pages add to theirs, so those
views stay one line away from showing amendments, comments and workflow buttons.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from drafting import actions, history, limits, permissions, reads, workflow
from drafting.diff import practice_redline
from drafting.forms import (
    AcceptForm,
    ChangeAmendmentForm,
    DeletionAmendmentForm,
    NewPracticeAmendmentForm,
    RejectForm,
    WithdrawForm,
)
from drafting.models import Amendment, Document, Practice, Section
from drafting.reads import access
from drafting.reads import agreement as agreement_reads
from drafting.views.common import form_status


def _data(request: HttpRequest):
    """The POST data of a form submission (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


# --- What the section and document pages add ----------------------------------------------


def section_review_context(user, section: Section) -> dict:
    """Amendments, comments and workflow buttons for a section page. Three queries at most."""
    if not permissions.can_view_review(user, section.document):
        # The public reads the adopted text only, not its review.
        return {"review": {}, "show_review": False, "section_actions": []}
    return {
        "review": reads.review_items_for_section(section, user),
        "show_review": True,
        "section_actions": workflow.available_transitions(user, section),
        "can_propose": permissions.can_propose_amendment(user, section),
        "why_not_propose": permissions.why_cannot_propose_amendment(user, section),
        "can_comment": permissions.can_comment(user, section),
    }


def document_review_context(user, document: Document) -> dict:
    """Open amendment counts per section for the document page. One query."""
    if not permissions.can_view_review(user, document):
        return {"show_review": False, "amendment_counts": {}, "open_amendments": 0}
    counts = reads.open_amendment_counts(document)
    return {
        "show_review": True,
        "amendment_counts": counts,
        "open_amendments": sum(counts.values()),
    }


def _section_anchor(section: Section, practice_id: int | None = None) -> str:
    anchor = f"#practice-{practice_id}" if practice_id else ""
    return f"{section.get_absolute_url()}{anchor}"


def _numbers(document: Document) -> dict[int, int]:
    return reads.practice_numbers(document)


# --- Proposing ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def propose_change(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.practice_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_propose_amendment(request.user, practice.section))
    initial = {
        "heading": practice.heading,
        "body": practice.body,
        "base_revision": practice.revision,
    }
    form = ChangeAmendmentForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            limits.spend(request, "amendments")
            amendment = actions.propose_change(practice, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Amendment #{amendment.pk} proposed.")
            return redirect(_section_anchor(practice.section, practice.pk))
    return render(
        request,
        "drafting/workflow/amendment_form.html",
        {
            "kind": Amendment.Kind.CHANGE,
            "practice": practice,
            "number": _numbers(practice.section.document).get(practice.pk),
            "section": practice.section,
            "document": practice.section.document,
            "form": form,
        },
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def propose_deletion(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.practice_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_propose_amendment(request.user, practice.section))
    form = DeletionAmendmentForm(_data(request), initial={"base_revision": practice.revision})
    if request.method == "POST" and form.is_valid():
        try:
            limits.spend(request, "amendments")
            amendment = actions.propose_deletion(practice, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Amendment #{amendment.pk} (deletion) proposed.")
            return redirect(_section_anchor(practice.section, practice.pk))
    return render(
        request,
        "drafting/workflow/amendment_form.html",
        {
            "kind": Amendment.Kind.DELETE,
            "practice": practice,
            "number": _numbers(practice.section.document).get(practice.pk),
            "section": practice.section,
            "document": practice.section.document,
            "form": form,
        },
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def propose_practice(request: HttpRequest, pk: int) -> HttpResponse:
    section = access.section_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_propose_amendment(request.user, section))
    practices = list(section.practices.order_by("position", "id"))
    after = request.GET.get("after") or (str(practices[-1].pk) if practices else "first")
    form = NewPracticeAmendmentForm(
        _data(request),
        initial={"after": after},
        practices=practices,
        numbers=_numbers(section.document),
        term=section.document.label_term,
    )
    if request.method == "POST" and form.is_valid():
        try:
            limits.spend(request, "amendments")
            amendment = actions.propose_practice(section, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Amendment #{amendment.pk} (new practice) proposed.")
            return redirect(_section_anchor(section, amendment.practice_id))
    return render(
        request,
        "drafting/workflow/amendment_form.html",
        {
            "kind": Amendment.Kind.NEW,
            "section": section,
            "document": section.document,
            "form": form,
        },
        status=form_status(request, form),
    )


# --- Reading --------------------------------------------------------------------------------


@login_required
def amendment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = access.amendment_for(request.user, pk)
    item = reads.amendment_item(amendment, request.user)
    document = amendment.section.document
    timeline = amendment.history.select_related("history_user__profile__delegation").order_by(
        "history_id"
    )
    return render(
        request,
        "drafting/workflow/amendment_detail.html",
        {
            "item": item,
            "amendment": amendment,
            "document": document,
            "section": reads.concerned_section(amendment),
            "number": _numbers(document).get(amendment.practice_id),
            "three_way": _three_way(amendment) if item.stale else None,
            "timeline": timeline,
        },
    )


@login_required
def amendment_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The document's amendments in document order, filtered by status and delegation."""
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    status = request.GET.get("status", Amendment.Status.OPEN)
    if status not in Amendment.Status.values and status != "all":
        status = Amendment.Status.OPEN
    delegations = reads.amendment_delegations(document)
    delegation = request.GET.get("delegation", "")
    if delegation not in {code for code, _ in delegations}:
        delegation = ""  # an unknown or forged code shows every delegation, not an error page
    items = reads.amendments_for_document(
        document,
        request.user,
        status="" if status == "all" else status,
        delegation=delegation,
    )
    return render(
        request,
        "drafting/workflow/amendment_list.html",
        {
            "document": document,
            "items": items,
            "status": status,
            "statuses": [*Amendment.Status.choices, ("all", "All")],
            "delegation": delegation,
            "delegations": delegations,
            "numbers": _numbers(document),
        },
    )


# --- Deciding -------------------------------------------------------------------------------


def _three_way(amendment: Amendment, current: Practice | None = None) -> dict | None:
    """Base (what the proposer saw), current and proposed text, with redlines between them."""
    current = current or amendment.practice
    if current is None:
        return None
    base = history.practice_at_revision(current.pk, amendment.base_revision)
    base_heading = base.heading if base else ""
    base_body = base.body if base else ""
    proposed_heading = amendment.proposed_heading if amendment.kind != "delete" else ""
    proposed_body = amendment.proposed_body if amendment.kind != "delete" else ""
    since = practice_redline(base_heading, base_body, current.heading, current.body)
    proposed = practice_redline(base_heading, base_body, proposed_heading, proposed_body)
    apply = practice_redline(current.heading, current.body, proposed_heading, proposed_body)
    return {
        "base": base,
        "current": current,
        "since_heading": since[0],
        "since_body": since[1],
        "proposed_heading": proposed[0],
        "proposed_body": proposed[1],
        "apply_heading": apply[0],
        "apply_body": apply[1],
    }


@login_required
@require_http_methods(["GET", "POST"])
def amendment_accept(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = access.amendment_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_decide_amendment(request.user, amendment))
    document = amendment.section.document
    practices = list(amendment.section.practices.order_by("position", "id"))
    numbers = _numbers(document)
    current = amendment.practice
    seen = current.revision if current is not None else None
    initial = {"heading": amendment.proposed_heading, "body": amendment.proposed_body}
    if amendment.kind == Amendment.Kind.NEW:
        anchor = amendment.practice
        initial["after"] = (
            str(anchor.pk) if anchor and anchor.section_id == amendment.section_id else "first"
        )
    initial["seen_revision"] = seen
    form = AcceptForm(
        _data(request),
        initial=initial,
        amendment=amendment,
        practices=practices,
        numbers=numbers,
    )
    conflict = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.accept_amendment(amendment, by=request.user, **form.arguments())
            except actions.AmendmentConflict as clash:
                conflict = clash
                current = clash.current
                # Keep what the secretariat typed; only the revision they have now seen moves.
                form = AcceptForm(
                    {**request.POST.dict(), "seen_revision": current.revision},
                    amendment=amendment,
                    practices=practices,
                    numbers=numbers,
                )
                form.is_valid()
                status = 409
            except ValidationError as error:
                form.add_error(None, error)
                status = 422
            else:
                how = (
                    "added to the text as an alternative in square brackets"
                    if form.cleaned_data.get("how") == "alternative"
                    else "applied to the text"
                )
                messages.success(request, f"Amendment #{amendment.pk} accepted and {how}.")
                return redirect(_section_anchor(reads.concerned_section(amendment)))
        else:
            status = 422
    stale = (
        amendment.kind != Amendment.Kind.NEW
        and current is not None
        and current.revision != amendment.base_revision
    )
    return render(
        request,
        "drafting/workflow/amendment_decide.html",
        {
            "decision": "accept",
            "amendment": amendment,
            "item": reads.amendment_item(amendment, request.user),
            "document": document,
            "number": numbers.get(amendment.practice_id),
            "three_way": _three_way(amendment, current) if stale else None,
            "conflict": conflict,
            "form": form,
            # Accepting a change to agreed text reopens it: said before the button (issue 14).
            "agreement_warning": (
                agreement_reads.edit_warning(
                    current, amendment.section.document.label(numbers.get(current.pk))
                )
                if amendment.kind == Amendment.Kind.CHANGE and current is not None
                else ""
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def amendment_reject(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = access.amendment_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_decide_amendment(request.user, amendment))
    form = RejectForm(_data(request), amendment=amendment)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reject_amendment(amendment, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Amendment #{amendment.pk} rejected.")
            return redirect(_section_anchor(reads.concerned_section(amendment)))
    document = amendment.section.document
    return render(
        request,
        "drafting/workflow/amendment_decide.html",
        {
            "decision": "reject",
            "amendment": amendment,
            "item": reads.amendment_item(amendment, request.user),
            "document": document,
            "number": _numbers(document).get(amendment.practice_id),
            "form": form,
        },
        status=form_status(request, form),
    )


@login_required
@require_POST
def amendment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = access.amendment_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_withdraw_amendment(request.user, amendment))
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        actions.withdraw_amendment(
            amendment, by=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Amendment #{amendment.pk} withdrawn.")
    return redirect(_section_anchor(reads.concerned_section(amendment)))
