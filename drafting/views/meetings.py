"""Meetings: the document's timeline, a meeting's page, and the secretariat's changes to them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting import actions, limits, permissions, reads
from drafting.forms import CirculateForm, MeetingForm
from drafting.models import ReviewMeeting
from drafting.reads import access
from drafting.views.common import form_status


@login_required
@require_safe
def meeting_list(request: HttpRequest, slug: str) -> HttpResponse:
    # The timeline with each meeting's outcome is the record of the review.
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    return render(
        request,
        "drafting/meetings/list.html",
        {
            "document": document,
            "timeline": reads.timeline(document),
            "can_manage": permissions.can_manage_meetings(request.user, document),
        },
    )


@login_required
@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The meeting page shows the draft, its redlines, comments and decisions: the review.
    meeting = access.meeting_for(request.user, pk)
    document = meeting.document
    return render(
        request,
        "drafting/meetings/detail.html",
        {
            "document": document,
            "meeting": meeting,
            "page": reads.meeting_page(meeting),
            "participants": list(meeting.participants.order_by("kind", "name")),
            "can_manage": permissions.can_manage_meetings(request.user, document),
            "can_view_history": permissions.can_export_history(request.user, document),
            "circulate_form": CirculateForm(),
            # Comment periods (issue 15): dispositions deferred to or decided at this meeting.
            "period_dispositions": reads.dispositions_at_meeting(meeting),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug)
    return _meeting_form(request, document, ReviewMeeting(document=document))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.meeting_for(request.user, pk)
    return _meeting_form(request, meeting.document, meeting)


def _meeting_form(request: HttpRequest, document, meeting: ReviewMeeting) -> HttpResponse:
    why_not = permissions.why_cannot_manage_meetings(request.user, document)
    permissions.refuse_if(why_not)
    form = MeetingForm(request.POST or None, instance=meeting, document=document)
    stale = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if not meeting.pk:  # planning a new one; editing is not limited
                limits.spend(request, "meetings")
            saved = actions.save_meeting(
                document,
                by=request.user,
                fields={name: data[name] for name in actions.MEETING_FIELDS},
                participants=data["participants"],
                agenda=data["agenda"],
                meeting=meeting if meeting.pk else None,
                reason=data["reason"],
                seen_revision=data.get("seen_revision"),
            )
        except actions.StaleRevision as conflict:
            # Keep what was typed, say who saved in between; the next save knowingly
            # replaces what is there now.
            post = request.POST.copy()
            post["seen_revision"] = str(conflict.current.revision)
            form = MeetingForm(post, instance=conflict.current, document=document)
            form.is_valid()
            form.add_error(None, str(conflict))
            stale = True
        except limits.RateLimited as limited:
            form.add_error(None, limited)
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, problems in found.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, f"“{saved.title}” saved.")
            return redirect("drafting:meeting-detail", pk=saved.pk)
    return render(
        request,
        "drafting/meetings/form.html",
        {"document": document, "meeting": meeting, "form": form},
        status=409 if stale else form_status(request, form),
    )


@login_required
@require_POST
def meeting_circulate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.meeting_for(request.user, pk)
    why_not = permissions.why_cannot_manage_meetings(request.user, meeting.document)
    permissions.refuse_if(why_not)
    form = CirculateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("name", [])))
    else:
        try:
            limits.spend(request, "versions")
            version = actions.circulate_for_meeting(
                meeting, by=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Version “{version.name}” named for this meeting.")
    return redirect("drafting:meeting-detail", pk=meeting.pk)
