"""Section pages and changes to sections: add, edit, move, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from drafting import actions, limits, permissions, reads, workflow
from drafting.forms import (
    DeleteSectionForm,
    MoveSectionForm,
    NewSectionForm,
    SectionForm,
)
from drafting.models import Deletion, Section
from drafting.reads import access
from drafting.views.amendments import section_review_context
from drafting.views.common import form_status, place_after
from drafting.views.deletions import already_gone, deleted_message, section_gone
from drafting.views.merging import MergeFlow
from drafting.views.positions import section_positions_context


@require_safe
def section_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        section = access.section_for(request.user, pk)
    except Http404:
        return section_gone(request, pk)
    document = section.document
    page = reads.section_page(section)
    why_not = permissions.why_cannot_edit_section(request.user, page.section)
    can_delete = why_not is None and (
        permissions.why_cannot_delete_section(
            request.user,
            page.section,
            **reads.section_deletion_facts(page.section, practices=len(page.practices)),
        )
        is None
    )
    editors = (
        reads.editors_of([i.practice.pk for i in page.practices], exclude_user=request.user)
        if request.user.is_authenticated
        else {}
    )
    return render(
        request,
        "drafting/section_detail.html",
        {
            "document": document,
            "page": page,
            "section": page.section,
            "can_edit": why_not is None,
            "can_delete": can_delete,
            "why_not_edit": why_not,
            # Which ↑ ↓ buttons each practice gets (a step may cross into a neighbour).
            "steps": workflow.practice_steps(
                request.user, page.sections, page.section, [i.practice for i in page.practices]
            )
            if why_not is None
            else {},
            "can_add_section": permissions.can_add_section(request.user, document),
            "can_view_history": permissions.can_export_history(request.user, document),
            "editors": editors,
            # Amendments, comments and review buttons (issue 4); a fixed number of queries.
            **section_review_context(request.user, page.section),
            # Delegations' positions and agreement (issue 14); two queries (three for the
            # secretariat), none for observers and the public.
            **section_positions_context(
                request.user, page.section, [i.practice for i in page.practices]
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_add(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug)
    permissions.refuse_if(permissions.why_cannot_add_section(request.user, document))
    after, after_pk = place_after(request, Section.objects.filter(document=document))
    form = NewSectionForm(request.POST or None, instance=Section(document=document))
    if request.method == "POST" and form.is_valid():
        try:
            limits.spend(request, "sections")
            section = actions.create_section(
                document.pk,
                by=request.user,
                title=form.cleaned_data["title"],
                introduction=form.cleaned_data["introduction"],
                after=after_pk,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Section “{section.title}” added.")
            return redirect(section)
    return render(
        request,
        "drafting/section_form.html",
        {"document": document, "form": form, "after": after, "adding": True},
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = access.section_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_edit_section(request.user, section))
    if request.method == "GET":
        form = SectionForm(
            instance=Section(title=section.title, introduction=section.introduction),
            initial={"base_revision": section.revision},
        )
        return render(
            request,
            "drafting/section_form.html",
            {"document": section.document, "section": section, "form": form},
        )
    form = SectionForm(request.POST, instance=Section(document=section.document))
    context = {"document": section.document, "section": section}
    if not form.is_valid():
        return render(request, "drafting/section_form.html", {**context, "form": form}, status=422)
    data = form.cleaned_data
    flow = MergeFlow(
        request.POST,
        section,
        texts={"title": data["title"], "introduction": data["introduction"]},
        base_revision=data["base_revision"],
    )
    if flow.error:
        form.add_error(None, flow.error)
        return render(request, "drafting/section_form.html", {**context, "form": form}, status=422)
    page = flow.before_save()
    if page is None:
        try:
            limits.spend(request, "edits")
            saved = actions.update_section(
                section,
                by=request.user,
                title=data["title"],
                introduction=data["introduction"],
                base_revision=data["base_revision"],
                reason=data["reason"],
            )
        except actions.StaleRevision as stale:
            # Never overwrite: merge with what was saved meanwhile and show it first.
            page = flow.on_stale(stale.current)
            if page is None:
                messages.info(request, "The section already reads as you submitted it.")
                return redirect(section)
        except ValidationError as error:
            form.add_error(None, error)
            status = limits.rate_limited_status(form, 422)
            return render(
                request, "drafting/section_form.html", {**context, "form": form}, status=status
            )
        else:
            messages.success(request, f"Section saved (revision {saved.revision}).")
            return redirect(section)
    form = SectionForm(page.form_data(request.POST), instance=Section(document=section.document))
    form.is_valid()
    return render(
        request,
        "drafting/section_form.html",
        {**context, "form": form, "merge": page},
        status=page.status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm (saying exactly what goes to the Deleted page), then delete the section.

    Only the secretariat deletes a section that holds practices (the rule is in
    permissions.why_cannot_delete_section). The form carries a fingerprint of what
    was shown; if the section or its practices changed since, nothing is deleted and
    the page shows what is there now (409).
    """
    try:
        section = access.section_for(request.user, pk)
    except Http404:
        return already_gone(request, Deletion.Kind.SECTION, pk)
    contents = reads.section_contents(section)
    facts = reads.section_deletion_facts(section, practices=len(contents.practices))
    permissions.refuse_if(permissions.why_cannot_delete_section(request.user, section, **facts))
    seen = actions.section_fingerprint(section, contents.practices)
    form = DeleteSectionForm(request.POST or None, initial={"seen": seen})
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            deletion = actions.delete_section(
                section,
                by=request.user,
                reason=form.cleaned_data["reason"],
                seen=form.cleaned_data["seen"],
            )
        except actions.StaleRevision:
            section = Section.objects.select_related("document").get(pk=pk)
            contents = reads.section_contents(section)
            conflict = True
            form = DeleteSectionForm(
                {
                    **request.POST.dict(),
                    "seen": actions.section_fingerprint(section, contents.practices),
                }
            )
            form.is_valid()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(section.document)
        else:
            messages.success(request, deleted_message(f"Section “{section.title}”", deletion))
            return redirect(section.document)
    return render(
        request,
        "drafting/confirm_delete.html",
        {
            "document": section.document,
            "object": section,
            "what": "section",
            "contents": contents,
            # Says which numbers change (issue 17): the later practices move up.
            "effect": workflow.deletion_effect(
                section.document,
                reads.practice_numbers(section.document),
                [p.pk for p in contents.practices],
            ),
            "form": form,
            "conflict": conflict,
            "cancel_url": section.get_absolute_url(),
        },
        status=409 if conflict else form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_move(request: HttpRequest, pk: int) -> HttpResponse:
    """One step up or down: GET asks first, saying what moves and which numbers change;
    POST takes the step. The action decides under lock: 403 if the rules refuse,
    409 if the section changed since the page was shown, 422 for a step that cannot be."""
    section = access.section_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_add_section(request.user, section.document))
    if request.method == "GET":
        return _section_move_page(request, section, None, status=200, asking=True)
    form = MoveSectionForm(request.POST)
    if not form.is_valid():
        return _section_move_page(request, section, form, status=422)
    data = form.cleaned_data
    try:
        actions.step_section(
            section.pk,
            by=request.user,
            direction=data["direction"],
            reason=data["reason"],
            seen_revision=data["seen_revision"],
        )
    except actions.StaleRevision as stale:
        return _section_move_page(request, stale.current, None, refusal=str(stale), status=409)
    except ValidationError as error:
        current = Section.objects.select_related("document").filter(pk=pk).first()
        if current is None:  # deleted meanwhile: nothing left to show the buttons for
            messages.error(request, " ".join(error.messages))
            return redirect(section.document)
        form.add_error(None, error)
        return _section_move_page(request, current, form, status=422)
    messages.success(request, f"Section “{section.title}” moved {data['direction']}.")
    return redirect(f"{section.document.get_absolute_url()}#section-{section.pk}")


def _section_move_page(
    request: HttpRequest,
    section: Section,
    form,
    *,
    refusal: str = "",
    status: int,
    asking: bool = False,
) -> HttpResponse:
    """The step asked for (``asking``: what it will do, and a button to take it), or why
    it was not taken; with the ↑ ↓ buttons for the section as it is now."""
    document = section.document
    outline = reads.document_outline(document)
    current = next(e.section for e in outline if e.section.pk == section.pk)
    steps = workflow.section_steps(request.user, document, outline).get(section.pk)
    direction = request.GET.get("direction", "") if asking else ""
    effect = workflow.section_step_effect(outline, section.pk, direction)
    if effect and steps is not None:
        why_not = steps.why_not_up if direction == "up" else steps.why_not_down
        allowed = steps.up if direction == "up" else steps.down
        if not allowed:
            effect, refusal = "", why_not or refusal
    seen = request.GET.get("seen_revision", "")
    return render(
        request,
        "drafting/section_move.html",
        {
            "document": document,
            "section": current,
            "steps": steps,
            "form": form,
            "refusal": refusal,
            "asking": asking,
            "direction": direction,
            "effect": effect,
            # The revision the document page showed, so a stale page is still refused.
            "seen_revision": int(seen) if seen.isdigit() else current.revision,
        },
        status=status,
    )
