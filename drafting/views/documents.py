"""Reading pages: the home page and a document's text."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from drafting import permissions, reads, workflow
from drafting.reads import access
from drafting.views.amendments import document_review_context


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "drafting/home.html",
        {
            "groups": reads.working_groups_with_documents(request.user),
            "my_meetings": reads.meetings_for_delegation(_delegation_of(request.user)),
            "today": timezone.localdate(),
            "ungrouped": reads.documents_without_group(request.user),
            # Told why the drafts are not listed, rather than left to wonder.
            "no_role": permissions.role_of(request.user) is None,
            "can_import": permissions.can_import_document(request.user),
        },
    )


@require_safe
def document_detail(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug)
    outline = reads.document_outline(document)
    can_structure = permissions.can_add_section(request.user, document)
    return render(
        request,
        "drafting/document_detail.html",
        {
            "document": document,
            "co_leads": list(document.co_leads.all()),
            "outline": outline,
            "can_structure": can_structure,
            # Links to "what changed", past versions and redlines: not for the public.
            "can_view_history": permissions.can_export_history(request.user, document),
            # Which sections this user may move up or down (approved ones: the secretariat).
            "section_steps": workflow.section_steps(request.user, document, outline)
            if can_structure
            else {},
            # Open amendments per section and the review links (issue 4); one query.
            **document_review_context(request.user, document),
            # Reservations accepted for the record, printed as footnotes (issue 14); one query.
            "reservations": reads.reservations_on_record(document),
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
