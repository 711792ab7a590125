"""The home page, a document's text, and setting a document up (new, edit details)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from drafting import actions, limits, permissions, reads, workflow
from drafting.forms.documents import EditDocumentForm, NewDocumentForm, RenumberForm
from drafting.models import Document
from drafting.models.documents import LABEL_TERMS
from drafting.reads import access
from drafting.reads.silence import open_procedure
from drafting.views.amendments import document_review_context
from drafting.views.common import form_status


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """My work (an expert's or the secretariat's panels), then the documents by working group."""
    groups = reads.working_groups_with_documents(request.user)
    return render(
        request,
        "drafting/home.html",
        {
            "work": reads.my_work(request.user),
            # Prefetched: no query. Empty groups are named on one line below the documents.
            "groups": [group for group in groups if group.documents.all()],
            "empty_groups": [group for group in groups if not group.documents.all()],
            "my_meetings": reads.meetings_for_delegation(_delegation_of(request.user)),
            "today": timezone.localdate(),
            "ungrouped": reads.documents_without_group(request.user),
            # Told why the drafts are not listed, rather than left to wonder.
            "no_role": permissions.role_of(request.user) is None,
            "can_import": permissions.can_import_document(request.user),
            "can_create": permissions.can_create_document(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    """The secretariat's "New document" page: details, label term, first number."""
    permissions.refuse_if(permissions.why_cannot_create_document(request.user))
    form = NewDocumentForm(request.POST if request.method == "POST" else None, instance=Document())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            limits.spend(request, "edits")
            document = actions.create_document(
                by=request.user,
                slug=data["slug"],
                co_leads=data["co_leads"],
                first_section=data["first_section"],
                **form.details(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Document “{document}” created.")
            return redirect(document)
    return render(
        request,
        "drafting/documents/form.html",
        {"form": form, "adding": True, "label_terms": LABEL_TERMS},
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit a document's details; a form older than the last save is refused (409)."""
    document = access.document_for(request.user, slug)
    permissions.refuse_if(permissions.why_cannot_edit_document_details(request.user, document))
    context = {"document": document, "label_terms": LABEL_TERMS}
    if request.method == "GET":
        form = EditDocumentForm(instance=document, initial={"seen_revision": document.revision})
        return render(request, "drafting/documents/form.html", {**context, "form": form})
    # A copy: a refused form must not leave the page's document half-changed.
    form = EditDocumentForm(request.POST, instance=Document.objects.get(pk=document.pk))
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            limits.spend(request, "edits")
            saved = actions.update_document_details(
                document,
                by=request.user,
                seen_revision=data["seen_revision"],
                co_leads=data["co_leads"],
                reason=data["reason"],
                **form.details(),
            )
        except actions.StaleRevision as stale:
            # Keep what was typed; the next save knowingly replaces what is there now.
            post = request.POST.copy()
            post["seen_revision"] = str(stale.current.revision)
            form = EditDocumentForm(post, instance=stale.current)
            form.is_valid()
            form.add_error(None, str(stale))
            status = 409
        except ValidationError as error:
            form.add_error(None, error)
            status = limits.rate_limited_status(form, 422)
        else:
            messages.success(request, f"Details of “{saved}” saved.")
            return redirect(saved)
    return render(request, "drafting/documents/form.html", {**context, "form": form}, status=status)


@require_safe
def document_detail(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug)
    # Reservations on the record are printed as footnotes (issue 14), numbered with the
    # text's own (footnotes run through the document); one query.
    reservations = reads.reservations_on_record(document)
    outline = reads.document_outline(document, reservations)
    can_structure = permissions.can_add_section(request.user, document)
    # Edit or Propose a change, per section, decided once here (issue 17); no query.
    section_routes = {
        entry.section.pk: permissions.text_route(request.user, entry.section) for entry in outline
    }
    return render(
        request,
        "drafting/document_detail.html",
        {
            "document": document,
            "co_leads": list(document.co_leads.all()),
            "outline": outline,
            "can_structure": can_structure,
            "section_routes": section_routes,
            # The two routes are explained where both are offered (issue 17).
            "both_routes": {permissions.EDIT, permissions.PROPOSE} <= set(section_routes.values()),
            "can_edit_details": permissions.can_edit_document_details(request.user, document),
            # Keep-numbers rule ("7 bis"): the secretariat's Renumber now.
            "can_renumber": document.numbering == Document.Numbering.KEEP
            and permissions.can_renumber(request.user, document),
            "can_import_revision": permissions.can_import_revision(request.user, document),
            # Silence procedure (issue 15): the banner while the text is frozen (one query
            # then), and the secretariat's link to place a version under silence.
            "silence": open_procedure(document) if document.silence_until else None,
            "can_place_silence": document.silence_until is None
            and document.status in {Document.Status.IN_REVIEW, Document.Status.FINAL}
            and permissions.can_manage_silence(request.user, document),
            # Links to "what changed", past versions and redlines: not for the public.
            "can_view_history": permissions.can_export_history(request.user, document),
            # Which sections this user may move up or down (approved ones: the secretariat).
            "section_steps": workflow.section_steps(request.user, document, outline)
            if can_structure
            else {},
            # Open amendments per section and the review links (issue 4); one query.
            **document_review_context(request.user, document),
            "reservations": reservations,
            # Agreement status of each practice, for those who follow the review; two queries.
            "standings": reads.document_standings(
                document, [i.practice for entry in outline for i in entry.practices]
            )
            if permissions.can_view_review(request.user, document)
            else {},
            "can_view_positions": permissions.can_view_positions(request.user, document),
            # Square brackets live in the texts just read: counted without a query.
            "open_brackets": sum(
                reads.count_open(i.practice) for entry in outline for i in entry.practices
            ),
        },
    )


def _delegation_of(user):
    profile = getattr(user, "profile", None)
    return profile.delegation if profile else None


@login_required
@require_http_methods(["GET", "POST"])
def document_renumber(request: HttpRequest, slug: str) -> HttpResponse:
    """Renumber now (keep-numbers rule): GET says what changes, POST renumbers; 409 if stale."""
    document = access.document_for(request.user, slug)
    permissions.refuse_if(permissions.why_cannot_renumber(request.user, document))
    keep = document.numbering == Document.Numbering.KEEP
    plan = reads.renumber_plan(document) if keep else None
    form = RenumberForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        form = RenumberForm(initial={"seen": plan.seen if plan else ""})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                limits.spend(request, "edits")
                actions.renumber_now(
                    document,
                    by=request.user,
                    seen=form.cleaned_data["seen"],
                    reason=form.cleaned_data["reason"],
                )
            except actions.StaleRevision as stale:
                # Show the numbers as they are now; confirming again renumbers those.
                form = RenumberForm({**request.POST.dict(), "seen": plan.seen if plan else ""})
                form.is_valid()
                form.add_error(None, str(stale))
                status = 409
            except ValidationError as error:
                form.add_error(None, error)
                status = limits.rate_limited_status(form, 422)
            else:
                done = plan.sentence.removeprefix("This renumbers ")
                messages.success(request, f"Renumbered {done}")
                return redirect(document)
    return render(
        request,
        "drafting/documents/renumber.html",
        {"document": document, "plan": plan, "keep": keep, "form": form},
        status=status,
    )
