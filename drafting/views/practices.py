"""Practices: view, edit in place (htmx or plain forms), preview, presence, add, move, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting import actions, diff, permissions, reads, text
from drafting.forms import MAX_ID, MovePracticeForm, NewPracticeForm, PracticeForm, ReasonForm
from drafting.models import Practice, ReviewMeeting, Section
from drafting.views.common import form_status, object_id, require_can_edit


def _practice(pk: int) -> Practice:
    return get_object_or_404(Practice.objects.select_related("section__document"), pk=pk)


def _numbered(practice: Practice) -> reads.NumberedPractice:
    number = reads.practice_numbers(practice.section.document)[practice.pk]
    return reads.NumberedPractice(practice, number)


def _section_anchor(practice: Practice) -> str:
    return f"{practice.section.get_absolute_url()}#practice-{practice.pk}"


@require_safe
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The practice as it reads on the section page (htmx: the fragment; otherwise: redirect)."""
    practice = _practice(pk)
    if not permissions.can_view_document(request.user, practice.section.document):
        return redirect_to_login(request.get_full_path())
    if not request.htmx:
        return redirect(_section_anchor(practice))
    if request.user.is_authenticated:
        actions.leave(practice, user=request.user)
    return _practice_fragment(request, practice)


def _practice_fragment(request: HttpRequest, practice: Practice, status: int = 200) -> HttpResponse:
    return render(
        request,
        "drafting/partials/practice.html",
        {
            "item": _numbered(practice),
            "can_edit": permissions.can_edit_section(request.user, practice.section),
            "section": practice.section,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _practice(pk)
    require_can_edit(request.user, practice.section)
    context = {
        "item": _numbered(practice),
        "section": practice.section,
        "document": practice.section.document,
    }
    tagging = _meeting_choices(request.user, practice.section.document)
    if request.method == "GET":
        form = PracticeForm(
            instance=Practice(heading=practice.heading, body=practice.body),
            initial={"base_revision": practice.revision},
            **tagging,
        )
        return _edit_response(request, {**context, "form": form})

    form = PracticeForm(request.POST, instance=Practice(section=practice.section), **tagging)
    if not form.is_valid():
        return _edit_response(request, {**context, "form": form}, status=422)
    data = form.cleaned_data
    try:
        saved = actions.update_practice(
            practice,
            by=request.user,
            heading=data["heading"],
            body=data["body"],
            base_revision=data["base_revision"],
            reason=data["reason"],
            meeting=data.get("meeting"),
        )
    except actions.StaleRevision as stale:
        current = stale.current
        # Keep every word the expert typed; only the base moves to the current revision,
        # so saving again after merging is a deliberate choice, not an accident.
        form = PracticeForm(
            {**request.POST.dict(), "base_revision": current.revision},
            instance=Practice(section=practice.section),
            **tagging,
        )
        form.is_valid()
        conflict = {
            "current": current,
            "changed_by": _last_editor(current),
            "heading_diff": diff.redline_html(current.heading, data["heading"]),
            "body_diff": diff.redline_html(current.body, data["body"]),
        }
        return _edit_response(
            request,
            {**context, "item": _numbered(current), "form": form, "conflict": conflict},
            status=409,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _edit_response(request, {**context, "form": form}, status=422)
    actions.leave(saved, user=request.user)
    if request.htmx:
        return _practice_fragment(request, saved)
    messages.success(
        request, f"Good Practice {_numbered(saved).number} saved (revision {saved.revision})."
    )
    return redirect(_section_anchor(saved))


def _meeting_choices(user, document) -> dict:
    """The secretariat tags edits with a meeting, defaulting to one running today."""
    if not permissions.is_secretariat(user):
        return {}
    running = reads.running_meetings(document)
    return {
        "meetings": ReviewMeeting.objects.filter(document=document)
        .exclude(status=ReviewMeeting.Status.CANCELLED)
        .order_by("-starts_on"),
        "running": running[0] if running else None,
    }


def _edit_response(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    template = (
        "drafting/partials/practice_edit.html" if request.htmx else "drafting/practice_edit.html"
    )
    return render(request, template, context, status=status)


def _last_editor(practice: Practice) -> str:
    row = (
        practice.history.select_related("history_user__profile__delegation")
        .order_by("-history_date")
        .first()
    )
    if row is None or row.history_user is None:
        return "someone"
    return reads.describe_user(row.history_user)


@login_required
@require_POST
def practice_preview(request: HttpRequest) -> HttpResponse:
    """Live preview of Markdown through the same renderer as the document page."""
    permissions.require(
        permissions.can_draft(request.user), "Only experts and the secretariat edit text."
    )
    source = request.POST.get("body", "")[: 2 * 20_000]
    return HttpResponse(text.render(source, anchor_prefix="preview-"))


@login_required
@require_POST
def practice_presence(request: HttpRequest, pk: int) -> HttpResponse:
    """Heartbeat from an open editor: who else is editing, and whether this form is stale."""
    practice = _practice(pk)
    # Only where the user may edit: no presence on approved sections or adopted documents.
    require_can_edit(request.user, practice.section)
    try:
        base_revision = int(request.POST.get("base_revision", ""))
    except ValueError:
        base_revision = 0
    if not 0 < base_revision <= MAX_ID:
        return HttpResponse("A base revision is required.", status=400)
    report = actions.heartbeat(practice, user=request.user, base_revision=base_revision)
    return render(
        request, "drafting/partials/presence.html", {"report": report, "practice": practice}
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_add(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_object_or_404(Section.objects.select_related("document"), pk=pk)
    require_can_edit(request.user, section)
    after_id = request.POST.get("after") or request.GET.get("after")
    after = None
    if after_id and after_id != "first":
        after = get_object_or_404(Practice, pk=object_id(after_id), section=section)
    form = NewPracticeForm(request.POST or None, instance=Practice(section=section))
    if request.method == "POST" and form.is_valid():
        practice = actions.create_practice(
            section,
            by=request.user,
            heading=form.cleaned_data["heading"],
            body=form.cleaned_data["body"],
            after=after,
            first=after_id == "first",
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"Good Practice {_numbered(practice).number} added.")
        return redirect(_section_anchor(practice))
    return render(
        request,
        "drafting/practice_add.html",
        {
            "section": section,
            "document": section.document,
            "form": form,
            "after": after,
            "after_id": after_id,
        },
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_move(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _practice(pk)
    require_can_edit(request.user, practice.section)
    document = practice.section.document
    if request.method == "GET":
        return render(
            request,
            "drafting/practice_move.html",
            {
                "item": _numbered(practice),
                "document": document,
                "outline": reads.document_outline(document),
                "form": MovePracticeForm(document=document),
            },
        )
    form = MovePracticeForm(request.POST, document=document)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_section_anchor(practice))
    data = form.cleaned_data
    try:
        if data["direction"]:
            actions.step_practice(
                practice, by=request.user, direction=data["direction"], reason=data["reason"]
            )
        else:
            actions.move_practice(
                practice,
                by=request.user,
                section=data["section"],
                after=data["after"],
                first=data["after"] is None,
                reason=data["reason"],
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        practice.refresh_from_db()
        messages.success(request, f"Moved; it is now Good Practice {_numbered(practice).number}.")
    return redirect(_section_anchor(practice))


@login_required
@require_http_methods(["GET", "POST"])
def practice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _practice(pk)
    require_can_edit(request.user, practice.section)
    item = _numbered(practice)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        section = practice.section
        actions.delete_practice(practice, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            f"Good Practice {item.number} deleted. The deletion is recorded; it can be restored "
            "from the section’s history.",
        )
        return redirect(section)
    return render(
        request,
        "drafting/confirm_delete.html",
        {
            "document": practice.section.document,
            "object": practice,
            "item": item,
            "what": "practice",
            "form": form,
            "cancel_url": _section_anchor(practice),
        },
        status=form_status(request, form),
    )
