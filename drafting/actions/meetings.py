"""Review meetings: organising them (details, participants, agenda), circulating a version.

What a meeting page shows is read in drafting/reads/meetings.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from drafting import permissions
from drafting.actions.base import lock_document, pk_of, refuse_if_stale
from drafting.actions.versions import name_version
from drafting.history import stamp
from drafting.models import (
    AgendaItem,
    Delegation,
    Document,
    ReviewMeeting,
    Section,
    Version,
)

# Fields a person types; status is set by the form's explicit choice and validated here.
MEETING_FIELDS = ["kind", "status", "title", "theme", "city", "starts_on", "ends_on", "outcome"]


def meeting_problems(
    document: Document,
    *,
    kind: str,
    status: str,
    starts_on: date | None,
    ends_on: date | None,
    agenda: Sequence[Section] = (),
    meeting: ReviewMeeting | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """Field name -> what is wrong, in words a secretariat officer understands."""
    today = today or timezone.localdate()
    problems: dict[str, str] = {}
    if starts_on and ends_on and ends_on < starts_on:
        problems["ends_on"] = "The meeting cannot end before it starts."
    if status == ReviewMeeting.Status.PLANNED and ends_on and ends_on < today:
        problems["status"] = (
            f"This meeting ended on {ends_on:%d %B %Y}; mark it as held (or cancelled), "
            "not upcoming."
        )
    if status == ReviewMeeting.Status.HELD and starts_on and starts_on > today:
        problems["status"] = "A meeting that has not started yet cannot have been held."
    strangers = [s.title for s in agenda if s.document_id != document.pk]
    if strangers:
        problems["agenda"] = (
            f"Not a section of this document: {', '.join(strangers)}. "
            "The agenda can only list this document's sections."
        )
    targets = meeting is not None and meeting.pk in {
        document.target_meeting_id,
        document.adopted_at_id,
    }
    if targets and kind != ReviewMeeting.Kind.MINISTERIAL:
        problems["kind"] = (
            "This meeting is the ministerial plenary the document is submitted to; "
            "it must stay a ministerial plenary."
        )
    return problems


@transaction.atomic
def save_meeting(
    document: Document | int,
    *,
    by,
    fields: dict,
    participants: Sequence[Delegation],
    agenda: Sequence[Section],
    meeting: ReviewMeeting | int | None = None,
    reason: str = "",
    seen_revision: int | None = None,
) -> ReviewMeeting:
    """Create (``meeting=None``) or update a meeting, its participants and its agenda.

    Locks the document, then the meeting, and re-reads both and the agenda's
    sections. Refused (PermissionDenied) unless ``by`` is the secretariat and the
    document is not adopted; (ValidationError, field -> problem) when the facts do
    not hold together (meeting_problems) or the meeting is not this document's;
    StaleRevision when the meeting was saved since the form showed
    ``seen_revision`` (None: no form, nothing to compare). Each update bumps the
    meeting's revision.
    """
    document = lock_document(document)
    why_not = permissions.why_cannot_manage_meetings(by, document)
    permissions.refuse_if(why_not)
    creating = meeting is None
    if creating:
        meeting = ReviewMeeting(document=document)
    else:
        meeting = (
            ReviewMeeting.objects.select_for_update()
            .filter(pk=pk_of(meeting), document=document)
            .first()
        )
        if meeting is None:
            raise ValidationError(
                {NON_FIELD_ERRORS: "This meeting no longer exists, or is not this document's."}
            )
        refuse_if_stale(
            meeting,
            seen_revision,
            label=f"The meeting “{meeting.title}”",
            undone="nothing was saved",
        )
        meeting.revision += 1
    wanted = [pk_of(s) for s in agenda]
    found = Section.objects.in_bulk(wanted)
    if len(found) != len(set(wanted)):
        raise ValidationError({"agenda": "A section on the agenda no longer exists; choose again."})
    agenda = [found[pk] for pk in wanted]
    problems = meeting_problems(
        document,
        kind=fields["kind"],
        status=fields["status"],
        starts_on=fields["starts_on"],
        ends_on=fields["ends_on"],
        agenda=agenda,
        meeting=None if creating else meeting,
    )
    if problems:
        raise ValidationError(problems)
    for name in MEETING_FIELDS:
        setattr(meeting, name, fields[name])
    meeting.full_clean()
    stamp(meeting, by=by, reason=reason or ("Meeting planned." if creating else "Meeting updated."))
    meeting.save()
    if set(meeting.participants.all()) != set(participants):
        stamp(meeting, by=by, reason=reason or "Participants updated.")
        meeting.participants.set(participants)
    _set_agenda(meeting, list(agenda), by=by)
    return meeting


def _set_agenda(meeting: ReviewMeeting, sections: list[Section], *, by) -> None:
    """Make the agenda list ``sections`` in order, writing only the items that change."""
    wanted = {s.pk: i for i, s in enumerate(sections, start=1)}
    for item in AgendaItem.objects.filter(meeting=meeting):
        if item.section_id not in wanted:
            stamp(item, by=by, reason="Removed from the agenda.")
            item.delete()
        elif item.position != wanted[item.section_id]:
            item.position = wanted.pop(item.section_id)
            stamp(item, by=by, reason="Agenda reordered.")
            item.save()
        else:
            wanted.pop(item.section_id)
    for section_id, position in wanted.items():
        item = AgendaItem(meeting=meeting, section_id=section_id, position=position)
        stamp(item, by=by, reason="Added to the agenda.")
        item.save()


@transaction.atomic
def circulate_for_meeting(meeting: ReviewMeeting | int, *, by, name: str = "") -> Version:
    """Name the current text as the draft circulated for ``meeting`` in one step.

    The same rules as name_version (the secretariat, not once adopted).
    """
    document_id = (
        ReviewMeeting.objects.filter(pk=pk_of(meeting))
        .values_list("document_id", flat=True)
        .first()
    )
    if document_id is None:
        raise ValidationError("This meeting no longer exists.")
    lock_document(document_id)
    meeting = ReviewMeeting.objects.select_related("document").get(pk=pk_of(meeting))
    name = name.strip() or f"Draft for the {meeting.title}"
    if Version.objects.filter(document=meeting.document_id, name=name).exists():
        name = f"{name} ({timezone.localdate():%d %B %Y})"
    return name_version(meeting.document, by=by, name=name, meeting=meeting)
