"""Reading pages: the home page and a document's text."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from drafting import permissions, reads, workflow
from drafting.models import Document
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
            "ungrouped": reads.documents_without_group(),
        },
    )


@require_safe
def document_detail(request: HttpRequest, slug: str) -> HttpResponse:
    document = get_object_or_404(
        Document.objects.select_related("working_group", "implementing_partner"), slug=slug
    )
    if not permissions.can_view_document(request.user, document):
        return redirect_to_login(request.get_full_path())
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
        },
    )


def _delegation_of(user):
    profile = getattr(user, "profile", None)
    return profile.delegation if profile else None
