"""The secretariat's dashboard for a document (read-only for experts and observers)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from drafting import permissions, reads, workflow
from drafting.reads import access


@login_required
def document_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    board = reads.document_dashboard(document)
    # The lifecycle checks reuse the rows already loaded: no query per section.
    known = {
        "sections": board.sections,
        "open_amendment_rows": board.open_amendment_rows,
        "ministerial": board.ministerial,
        "open_bracket_rows": [
            (row.section.title, row.open_brackets) for row in board.rows if row.open_brackets
        ],
    }
    return render(
        request,
        "drafting/workflow/dashboard.html",
        {
            "document": document,
            "board": board,
            "next_step": workflow.next_step(document, **known),
            "actions": workflow.available_transitions(request.user, document, **known),
            "can_name_version": permissions.can_name_version(request.user, document),
            "is_secretariat": permissions.is_secretariat(request.user),
        },
    )
