"""Writes to the draft's structure and text: one function per change.

Each function checks permission, changes the data and stamps history with who
and why. Workflow transitions (review, approval, adoption) live in workflow.py."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drafting import permissions
from drafting.actions.base import StaleRevision, _record, _require_edit
from drafting.actions.ordering import position_after
from drafting.history import stamp
from drafting.models import (
    Document,
    Section,
)
from drafting.workflow import _SECTION_WHO, SECTION_TRANSITIONS, S, _check, _section_blockers


@transaction.atomic
def create_section(
    document: Document,
    *,
    by,
    title: str,
    introduction: str = "",
    after: Section | None = None,
    reason: str = "",
) -> Section:
    permissions.require(permissions.can_draft(by), "Only experts and the secretariat add sections.")
    if document.status == Document.Status.ADOPTED:
        raise permissions.PermissionDenied("This document has been adopted; its text is frozen.")
    siblings = Section.objects.filter(document=document).order_by("position", "id")
    section = Section(
        document=document,
        title=title,
        introduction=introduction,
        position=position_after(siblings, after, by=by),
    )
    section.full_clean()
    stamp(section, by=by, reason=reason or "Section added.")
    section.save()
    return section


@transaction.atomic
def move_section(
    section: Section, *, by, after: Section | None = None, first: bool = False, reason: str = ""
) -> Section:
    permissions.require(
        permissions.can_draft(by), "Only experts and the secretariat move sections."
    )
    siblings = (
        Section.objects.filter(document=section.document_id)
        .exclude(pk=section.pk)
        .order_by("position", "id")
    )
    section.position = position_after(siblings, after, by=by, first=first)
    stamp(section, by=by, reason=reason or "Section moved.")
    section.save()
    return section


@transaction.atomic
def update_section(
    section: Section,
    *,
    by,
    title: str,
    introduction: str,
    base_revision: int,
    reason: str = "",
    meeting=None,
) -> Section:
    """Save a section's title and introduction; stale saves are refused like practices'."""
    current = Section.objects.select_for_update().select_related("document").get(pk=section.pk)
    _require_edit(by, current)
    if current.revision != base_revision:
        raise StaleRevision(current)
    if current.title == title and current.introduction == introduction:
        return current
    current.title, current.introduction = title, introduction
    current.revision += 1
    current.full_clean()
    stamp(current, by=by, reason=reason, meeting=meeting)
    current.save()
    return current


def step_section(section: Section, *, by, direction: str, reason: str = "") -> Section:
    """Move a section one place up or down."""
    siblings = list(Section.objects.filter(document=section.document_id).order_by("position", "id"))
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    if direction == "up" and index > 0:
        if index == 1:
            return move_section(section, by=by, first=True, reason=reason)
        return move_section(section, by=by, after=siblings[index - 2], reason=reason)
    if direction == "down" and index < len(siblings) - 1:
        return move_section(section, by=by, after=siblings[index + 1], reason=reason)
    raise ValidationError("The section cannot move further in that direction.")


# --- Section transitions ------------------------------------------------------------------


def _locked_section(section: Section) -> Section:
    # Re-read under a row lock so two people approving at once cannot both succeed.
    return Section.objects.select_for_update().select_related("document").get(pk=section.pk)


def _section_transition(section: Section, name: str, *, by, reason: str) -> Section:
    transition = SECTION_TRANSITIONS[name]
    current = _locked_section(section)
    _check(
        current,
        transition,
        _SECTION_WHO[name](by, current),
        reason,
        lambda: _section_blockers(current, transition),
    )
    current.status = transition.target
    if transition.target != S.APPROVED:
        # The approval no longer holds; the history keeps who approved it and when.
        current.approved_by, current.approved_at, current.approval_note = None, None, ""
    return current


@transaction.atomic
def request_review(section: Section, *, by, reason: str = "") -> Section:
    """An expert or the secretariat sends a drafting section for review."""
    current = _section_transition(section, "request-review", by=by, reason=reason)
    return _record(current, by=by, summary="Sent for review.", reason=reason)


@transaction.atomic
def approve_section(section: Section, *, by, note: str = "", meeting=None) -> Section:
    """The secretariat approves a section in review; who, when and the note are kept."""
    current = _section_transition(section, "approve", by=by, reason="")
    current.approved_by, current.approved_at, current.approval_note = by, timezone.now(), note
    return _record(current, by=by, summary="Approved.", reason=note, meeting=meeting)


@transaction.atomic
def return_section_to_drafting(section: Section, *, by, reason: str) -> Section:
    current = _section_transition(section, "return-to-drafting", by=by, reason=reason)
    return _record(current, by=by, summary="Returned to drafting:", reason=reason)


@transaction.atomic
def reopen_section(section: Section, *, by, reason: str) -> Section:
    """The secretariat reopens an approved section for drafting; a reason is required."""
    current = _section_transition(section, "reopen", by=by, reason=reason)
    return _record(current, by=by, summary="Reopened:", reason=reason)


SECTION_FUNCTIONS: dict[str, Callable[..., Section]] = {
    "request-review": request_review,
    "approve": approve_section,
    "return-to-drafting": return_section_to_drafting,
    "reopen": reopen_section,
}
