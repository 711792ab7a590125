"""Comments on sections and practices: add, reply, resolve, reopen.

With htmx the views answer with the updated comment list of that practice (or
section); without JavaScript they redirect back to the section page, or, when the
comment was refused, show a page with the reason and the typed text to send again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from drafting import actions, limits, permissions, reads
from drafting.forms import CommentForm, ReplyForm
from drafting.models import Section
from drafting.reads import access


def _back(section: Section, practice_id: int | None) -> str:
    anchor = f"#practice-{practice_id}" if practice_id else "#section-comments"
    return f"{section.get_absolute_url()}{anchor}"


def _respond(
    request: HttpRequest,
    section: Section,
    practice_id: int | None,
    *,
    error: ValidationError | None = None,
    form=None,
    reply_to: int | None = None,
) -> HttpResponse:
    """htmx: the thread list of that practice (or section) again; otherwise a redirect.

    After a refusal the thread list comes back with the typed text in the form it
    was typed in (``form``; ``reply_to``: the comment a refused reply answered).
    """
    status = 200 if error is None else getattr(error, "status", 422)
    if not request.htmx:
        if error is None or form is None:
            return redirect(_back(section, practice_id))
        # Typed text is never lost: it comes back with the reason, ready to post again.
        action = (
            reverse("drafting:comment-reply", args=[reply_to])
            if reply_to
            else reverse("drafting:comment-create", args=[section.pk])
        )
        context = {
            "error": " ".join(error.messages),
            "action": action,
            "form": form,
            "practice_id": None if reply_to else practice_id,
            "back": _back(section, practice_id),
        }
        return render(request, "drafting/comment_refused.html", context, status=status)
    items = reads.review_items_for_section(section, request.user).get(practice_id)
    return render(
        request,
        "drafting/section_detail.html#comments",
        {
            "threads": items.threads if items else [],
            "practice_id": practice_id,
            "section": section,
            "can_comment": permissions.can_comment(request.user, section),
            "error": " ".join(error.messages) if error is not None else "",
            "form": form,
            "reply_to": reply_to,
        },
        # 429 for a per-user rate (limits.RateLimited), 422 for anything else refused.
        status=status,
    )


def _form_error(form) -> ValidationError:
    return ValidationError([e for errors in form.errors.values() for e in errors])


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    section = access.section_for(request.user, pk)
    why_not = permissions.why_cannot_comment(request.user, section)
    permissions.refuse_if(why_not)
    form = CommentForm(request.POST, section=section)
    raw_practice = request.POST.get("practice") or None
    is_id = raw_practice and raw_practice.isascii() and raw_practice.isdigit()
    practice_id = int(raw_practice) if is_id else None
    if not form.is_valid():
        return _respond(request, section, practice_id, error=_form_error(form), form=form)
    try:
        limits.spend(request, "comments")
        actions.add_comment(
            section,
            by=request.user,
            body=form.cleaned_data["body"],
            practice=form.cleaned_data["practice"],
        )
    except ValidationError as error:
        return _respond(request, section, practice_id, error=error, form=form)
    if not request.htmx:
        messages.success(request, "Comment added.")
    return _respond(request, section, practice_id)


@login_required
@require_POST
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    comment = access.comment_for(request.user, pk)
    why_not = permissions.why_cannot_comment(request.user, comment.section)
    permissions.refuse_if(why_not)
    form = ReplyForm(request.POST)
    back = {"form": form, "reply_to": comment.pk}
    if not form.is_valid():
        return _respond(
            request, comment.section, comment.practice_id, error=_form_error(form), **back
        )
    try:
        limits.spend(request, "comments")
        actions.reply_to_comment(comment, by=request.user, body=form.cleaned_data["body"])
    except ValidationError as error:
        return _respond(request, comment.section, comment.practice_id, error=error, **back)
    if not request.htmx:
        messages.success(request, "Reply added.")
    return _respond(request, comment.section, comment.practice_id)


def _resolution(request: HttpRequest, pk: int, *, resolved: bool) -> HttpResponse:
    comment = access.comment_for(request.user, pk)
    why_not = permissions.why_cannot_resolve_comment(request.user, comment)
    permissions.refuse_if(why_not)
    change = actions.resolve_comment if resolved else actions.unresolve_comment
    try:
        change(comment, by=request.user)
    except ValidationError as error:
        return _respond(request, comment.section, comment.practice_id, error=error)
    if not request.htmx:
        messages.success(request, "Comment marked resolved." if resolved else "Comment reopened.")
    return _respond(request, comment.section, comment.practice_id)


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolution(request, pk, resolved=True)


@login_required
@require_POST
def comment_unresolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolution(request, pk, resolved=False)


@login_required
@require_safe
def comment_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The document's comment threads in document order, filtered by state and delegation.

    Read by whoever follows the review (permissions.why_cannot_view_review). An
    unknown state or delegation in the URL shows the default rather than an error.
    """
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    state = request.GET.get("state", reads.comments.UNRESOLVED)
    if state not in dict(reads.comments.STATES):
        state = reads.comments.UNRESOLVED
    delegations = reads.comment_delegations(document)
    delegation = request.GET.get("delegation", "")
    if delegation not in {code for code, _ in delegations}:
        delegation = ""  # a forged code filters nothing out
    listing = reads.comment_list(
        document, request.user, state=state, delegation=delegation, page=request.GET.get("page")
    )
    return render(
        request,
        "drafting/workflow/comment_list.html",
        {
            "document": document,
            "listing": listing,
            "state": state,
            "states": reads.comments.STATES,
            "delegation": delegation,
            "delegations": delegations,
        },
    )
