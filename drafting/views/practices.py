"""Practices: view, edit in place (htmx or plain forms), preview, presence, add, move, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting import actions, history, limits, permissions, reads, text, workflow
from drafting.forms import (
    MAX_ID,
    DeletePracticeForm,
    MovePracticeForm,
    NewPracticeForm,
    PracticeForm,
)
from drafting.models import Deletion, Document, Practice, ReviewMeeting, Section
from drafting.reads import access
from drafting.reads import agreement as agreement_reads
from drafting.views.common import form_status, place_after
from drafting.views.deletions import already_gone, deleted_message
from drafting.views.merging import MergeFlow


def _numbered(practice: Practice) -> reads.NumberedPractice:
    number = reads.practice_numbers(practice.section.document)[practice.pk]
    return reads.NumberedPractice(practice, number)


def _section_anchor(practice: Practice) -> str:
    return f"{practice.section.get_absolute_url()}#practice-{practice.pk}"


@require_safe
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The practice as it reads on the section page (htmx: the fragment; otherwise: redirect)."""
    practice = access.practice_for(request.user, pk)
    if not request.htmx:
        return redirect(_section_anchor(practice))
    if request.user.is_authenticated:
        actions.leave(practice, user=request.user)
    return _practice_fragment(request, practice)


def _practice_fragment(
    request: HttpRequest, practice: Practice, status: int = 200, *, saved_note: str = ""
) -> HttpResponse:
    """The practice as the section page shows it; ``saved_note`` confirms a save in place
    (shown, and spoken through the page's live region)."""
    page = reads.section_page(practice.section)
    item = next(i for i in page.practices if i.practice.pk == practice.pk)
    return render(
        request,
        "drafting/section_detail.html#practice",
        {
            "item": item,
            "can_edit": permissions.can_edit_section(request.user, practice.section),
            "section": practice.section,
            "saved_note": saved_note,
            "document": practice.section.document,  # its label term ("Recommendation 3")
            "steps": workflow.practice_steps(
                request.user, page.sections, practice.section, [i.practice for i in page.practices]
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST" and (kept := _unsaved(request, pk)) is not None:
        return kept
    practice = access.practice_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_edit_section(request.user, practice.section))
    item = _numbered(practice)
    context = {
        "item": item,
        "section": practice.section,
        "document": practice.section.document,
        # Said before saving: a change to agreed text reopens it (issue 14).
        "agreement_warning": agreement_reads.edit_warning(
            practice, practice.section.document.label(item.number)
        ),
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
    flow = MergeFlow(
        request.POST,
        practice,
        texts={"heading": data["heading"], "body": data["body"]},
        base_revision=data["base_revision"],
    )
    if flow.error:
        form.add_error(None, flow.error)
        return _edit_response(request, {**context, "form": form}, status=422)
    page = flow.before_save()
    already = False
    if page is None:
        try:
            limits.spend(request, "edits")
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
            # Never overwrite: merge with what was saved meanwhile and show it first.
            saved, already = stale.current, True
            page = flow.on_stale(stale.current)
        except ValidationError as error:
            form.add_error(None, error)
            status = limits.rate_limited_status(form, 422)
            return _edit_response(request, {**context, "form": form}, status=status)
    if page is not None:
        form = PracticeForm(
            page.form_data(request.POST), instance=Practice(section=practice.section), **tagging
        )
        form.is_valid()
        return _edit_response(request, {**context, "form": form, "merge": page}, status=page.status)
    actions.leave(saved, user=request.user)
    label = saved.section.document.label(_numbered(saved).number)
    if already:
        note = (
            f"{label} already reads as you submitted it (revision "
            f"{saved.revision}); nothing more to save."
        )
    else:
        note = f"{label} saved (revision {saved.revision})."
    if request.htmx:
        return _practice_fragment(request, saved, saved_note=note)
    (messages.info if already else messages.success)(request, note)
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


def _unsaved(request: HttpRequest, pk: int) -> HttpResponse | None:
    """An edit that can no longer be saved, answered with the typed text (never lost).

    The practice was deleted since the editor opened (409, with the Deleted page), or
    its section left drafting so the user may no longer edit it directly (403, with
    the rule's reason and, where allowed, a link to propose an amendment). None when
    the edit can go ahead to the ordinary checks.
    """
    heading, body = request.POST.get("heading", ""), request.POST.get("body", "")
    practice = Practice.objects.select_related("section__document").filter(pk=pk).first()
    if practice is None:
        row = history.last_row(Practice.history.filter(id=pk))
        if row is None:
            return None  # never existed: the ordinary 404
        section = Section.objects.select_related("document").filter(pk=row.section_id).first()
        # Who deleted what is on the Deleted page, for the review's readers only; for
        # anyone else this is the ordinary 404.
        document = _document_of(section, row.section_id)
        if document is None or not permissions.can_view_review(request.user, document):
            return None
        context = {
            "reason": f"This practice was deleted by {history.author_of(row)} while you were "
            "editing it; it can be restored from the Deleted page.",
            "deleted": True,
            "document": section.document if section else None,
            "section": section,
        }
        status = 409
    else:
        reason = permissions.why_cannot_edit_section(request.user, practice.section)
        if reason is None or not permissions.can_view_document(
            request.user, practice.section.document
        ):
            return None
        context = {
            "reason": reason,
            "document": practice.section.document,
            "section": practice.section,
            "can_propose": permissions.can_propose_amendment(request.user, practice.section),
        }
        status = 403
    template = (
        "drafting/practice_unsaved.html#unsaved"
        if request.htmx
        else "drafting/practice_unsaved.html"
    )
    context |= {"pk": pk, "heading": heading, "body": body}
    return render(request, template, context, status=status)


def _document_of(section: Section | None, section_id: int) -> Document | None:
    """The document of a section, also of one that was deleted (from its history)."""
    if section is not None:
        return section.document
    row = history.last_row(Section.history.filter(id=section_id))
    return Document.objects.filter(pk=row.document_id).first() if row is not None else None


def _edit_response(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    template = (
        "drafting/partials/practice_edit.html" if request.htmx else "drafting/practice_edit.html"
    )
    return render(request, template, context, status=status)


def _last_editor(practice: Practice) -> str:
    """Who wrote the practice as it stands (the one order of history: its latest row)."""
    row = history.last_row(practice.history.select_related("history_user__profile__delegation"))
    return str(history.author_of(row)) if row is not None else "someone"


@login_required
@require_POST
def practice_preview(request: HttpRequest) -> HttpResponse:
    """Live preview of Markdown through the same renderer as the document page."""
    permissions.refuse_if(permissions.why_cannot_draft(request.user))
    try:
        limits.spend(request, "previews")
    except limits.RateLimited as limited:
        return HttpResponse(
            format_html('<p class="form-error" role="status">{}</p>', limited.message), status=429
        )
    # The editor's textarea is posted under its own name: a practice's or amendment's body,
    # a section's or document's introduction.
    source = request.POST.get("body", request.POST.get("introduction", ""))[: 2 * text.MAX_LENGTH]
    # A preview is seen once: rendered without a place in the memo of stored texts.
    return HttpResponse(text.render(source, anchor_prefix="preview-", remember=False))


@login_required
@require_POST
def practice_presence(request: HttpRequest, pk: int) -> HttpResponse:
    """Heartbeat from an open editor: who else is editing, and whether this form is stale."""
    practice = access.practice_for(request.user, pk)
    # Only where the user may edit: no presence on approved sections or adopted documents.
    permissions.refuse_if(permissions.why_cannot_edit_section(request.user, practice.section))
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
    section = access.section_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_edit_section(request.user, section))
    after_id = request.POST.get("after") or request.GET.get("after")
    after, after_pk = place_after(request, Practice.objects.filter(section=section))
    form = NewPracticeForm(request.POST or None, instance=Practice(section=section))
    if request.method == "POST" and form.is_valid():
        try:
            limits.spend(request, "practices")
            practice = actions.create_practice(
                section.pk,
                by=request.user,
                heading=form.cleaned_data["heading"],
                body=form.cleaned_data["body"],
                after=after_pk,
                first=after_id == "first",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            label = practice.section.document.label(_numbered(practice).number)
            messages.success(request, f"{label} added.")
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
    """The "Move…" page (GET) and every move of a practice (POST: one step, or to a place).

    The action decides, under lock: 403 if the rules refuse, 409 if the practice
    changed since the page was shown (the page comes back with the current order),
    422 if the place no longer exists or the form is incomplete.
    """
    practice = access.practice_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_edit_section(request.user, practice.section))
    if request.method == "GET":
        form = MovePracticeForm(initial={"seen_revision": practice.revision})
        return _move_page(request, practice, form)
    form = MovePracticeForm(request.POST)
    if not form.is_valid():
        return _move_page(request, practice, form, status=422)
    data = form.cleaned_data
    try:
        limits.spend(request, "edits")
        if data["direction"]:
            moved = actions.step_practice(
                practice.pk,
                by=request.user,
                direction=data["direction"],
                reason=data["reason"],
                seen_revision=data["seen_revision"],
            )
        else:
            moved = actions.move_practice(
                practice.pk,
                by=request.user,
                section=data["section_id"],
                after=data["after_id"],
                first=data["after_id"] is None,
                reason=data["reason"],
                seen_revision=data["seen_revision"],
            )
    except actions.StaleRevision as stale:
        # Show the order as it is now, for the revision the user is now looking at.
        fresh = MovePracticeForm(initial={"seen_revision": stale.current.revision})
        return _move_page(request, stale.current, fresh, refusal=str(stale), status=409)
    except ValidationError as error:
        current = Practice.objects.select_related("section__document").filter(pk=pk).first()
        if current is None:  # deleted meanwhile: nothing left to move
            messages.error(request, " ".join(error.messages))
            return redirect(practice.section)
        form.add_error(None, error)
        return _move_page(request, current, form, status=limits.rate_limited_status(form, 422))
    label = moved.section.document.label(_numbered(moved).number)
    messages.success(request, f"Moved; it is now {label}.")
    return redirect(_section_anchor(moved))


def _move_page(
    request: HttpRequest,
    practice: Practice,
    form: MovePracticeForm,
    *,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    document = practice.section.document
    outline = reads.document_outline(document)
    return render(
        request,
        "drafting/practice_move.html",
        {
            "item": _numbered(practice),
            "document": document,
            "outline": outline,
            "targets": workflow.practice_targets(request.user, practice.section, outline),
            "form": form,
            "refusal": refusal,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then move the practice to the document's Deleted page (restorable there).

    The form carries the revision shown; if the practice changed since, nothing is
    deleted and the page shows the current text (409). A second submit finds it gone
    and says so.
    """
    try:
        practice = access.practice_for(request.user, pk)
    except Http404:
        return already_gone(request, Deletion.Kind.PRACTICE, pk)
    section = practice.section
    permissions.refuse_if(permissions.why_cannot_delete_practice(request.user, section))
    form = DeletePracticeForm(request.POST or None, initial={"base_revision": practice.revision})
    conflict = None
    if request.method == "POST" and form.is_valid():
        item = _numbered(practice)
        try:
            deletion = actions.delete_practice(
                practice,
                by=request.user,
                reason=form.cleaned_data["reason"],
                seen_revision=form.cleaned_data["base_revision"],
            )
        except actions.StaleRevision as stale:
            practice = stale.current
            conflict = {"changed_by": _last_editor(practice)}
            # The next click deletes what is shown now, knowingly.
            form = DeletePracticeForm({**request.POST.dict(), "base_revision": practice.revision})
            form.is_valid()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(section)
        else:
            label = section.document.label(item.number)
            messages.success(request, deleted_message(label, deletion))
            return redirect(section)
    return render(
        request,
        "drafting/confirm_delete.html",
        {
            "document": section.document,
            "object": practice,
            "item": _numbered(practice),
            "what": "practice",
            # Says which numbers change (issue 17): deleting renumbers every later practice.
            "effect": workflow.deletion_effect(
                section.document, reads.practice_numbers(section.document), [practice.pk]
            ),
            "form": form,
            "conflict": conflict,
            "cancel_url": _section_anchor(practice),
        },
        status=409 if conflict else form_status(request, form),
    )
