"""The Deleted page of a document, restoring from it, and what the delete views share."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST, require_safe

from drafting import actions, permissions, reads
from drafting.forms import RestoreDeletionForm
from drafting.models import Deletion, Practice, Section
from drafting.reads import access


def deleted_message(what: str, deletion: Deletion) -> SafeString:
    """ "Good Practice 4 deleted. Undo" — the link leads to its Restore button."""
    return format_html(
        '{} deleted; it is on the document’s Deleted page. <a href="{}">Undo</a>',
        what,
        deletion.get_absolute_url(),
    )


def already_gone(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A delete posted for something no longer there (a double submit, an old tab).

    Says who deleted it and sends the user to where it can be restored; nothing changes.
    """
    deletion = actions.already_deleted(kind, pk)
    if deletion is None or not permissions.can_view_review(request.user, deletion.document):
        raise Http404("There is nothing at this address.")
    messages.info(request, " ".join(actions.gone(kind, pk).messages) + " Nothing more was deleted.")
    return redirect(deletion.get_absolute_url())


def section_first(error: ValidationError, section_id: int | None) -> SafeString | str:
    """The refusal in words, with a link to the section's own deletion when there is one."""
    text = " ".join(error.messages)
    deletion = actions.already_deleted(Deletion.Kind.SECTION, section_id) if section_id else None
    if deletion is None:
        return text
    return format_html(
        '{} <a href="{}">Show the deletion of “{}”</a>',
        text,
        deletion.get_absolute_url(),
        deletion.label,
    )


def section_gone(request: HttpRequest, pk: int) -> HttpResponse:
    """The address of a deleted section: a 404 that says where it went, for people with a role."""
    deletion = actions.already_deleted(Deletion.Kind.SECTION, pk)
    if deletion is None or not permissions.can_view_review(request.user, deletion.document):
        raise Http404("There is nothing at this address.")
    return render(request, "drafting/deletions/gone.html", {"deletion": deletion}, status=404)


@login_required
@require_safe
def document_deleted(request: HttpRequest, slug: str) -> HttpResponse:
    """Sections and practices deleted from the document, newest first, with Restore buttons.

    A page at a time (``?page=``); ``?deletion=<id>`` opens the page that lists it.
    """
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    deleted = reads.deleted_items(
        document, page=request.GET.get("page"), showing=request.GET.get("deletion")
    )
    for item in deleted.items:
        if item.deletion.is_restored or (
            item.deletion.kind == Deletion.Kind.PRACTICE and item.section is None
        ):
            continue
        item.why_not = permissions.why_cannot_restore(request.user, item.deletion, item.section)
        item.can_restore = item.why_not is None
    return render(
        request,
        "drafting/deletions/deleted.html",
        {
            "document": document,
            "deleted": deleted,
            "items": deleted.items,
            "form": RestoreDeletionForm(),
        },
    )


@login_required
@require_POST
def deletion_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Restore one deletion with everything that went with it (the action checks who may)."""
    deletion = access.deletion_for(request.user, pk)
    back = deletion.get_absolute_url()
    form = RestoreDeletionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        actions.restore_deletion(deletion.pk, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, section_first(error, deletion.section_id_then))
        return redirect(back)
    if deletion.kind == Deletion.Kind.SECTION:
        section = Section.objects.get(pk=deletion.object_id)
        messages.success(request, f"Section “{section.title}” restored with everything in it.")
        return redirect(section)
    practice = Practice.objects.select_related("section").get(pk=deletion.object_id)
    number = reads.practice_numbers(deletion.document)[practice.pk]
    label = deletion.document.label(number)
    messages.success(request, f"Restored as {label}, its amendments re-attached.")
    return redirect(f"{practice.section.get_absolute_url()}#practice-{practice.pk}")
