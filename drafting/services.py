"""Writes to the draft's structure and text: one function per change.

Each function checks permission, changes the data and stamps history with who
and why. Workflow transitions (review, approval, adoption) live in workflow.py.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from drafting import permissions
from drafting.history import stamp
from drafting.models import Document, Practice, Section
from drafting.ordering import position_after


class StaleRevision(Exception):
    """A save was based on a revision that is no longer current."""

    def __init__(self, current: Practice | Section):
        super().__init__(
            f"{current} changed since you started editing (now revision {current.revision})."
        )
        self.current = current


def _require_edit(by, section: Section) -> None:
    reason = permissions.why_cannot_edit_section(by, section)
    permissions.require(reason is None, reason or "")


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
def create_practice(
    section: Section,
    *,
    by,
    heading: str,
    body: str = "",
    after: Practice | None = None,
    first: bool = False,
    reason: str = "",
) -> Practice:
    _require_edit(by, section)
    siblings = Practice.objects.filter(section=section).order_by("position", "id")
    practice = Practice(
        section=section,
        heading=heading,
        body=body,
        position=position_after(siblings, after, by=by, first=first),
    )
    practice.full_clean()
    stamp(practice, by=by, reason=reason or "Practice added.")
    practice.save()
    return practice


@transaction.atomic
def update_practice(
    practice: Practice,
    *,
    by,
    heading: str,
    body: str,
    base_revision: int,
    reason: str = "",
    meeting=None,
) -> Practice:
    """Save new text, refusing it if the practice moved on since ``base_revision``.

    The row is locked and its revision compared inside this transaction, so the
    check holds across processes (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
    IMMEDIATE transactions serialise writers).
    """
    current = (
        Practice.objects.select_for_update().select_related("section__document").get(pk=practice.pk)
    )
    _require_edit(by, current.section)
    if current.revision != base_revision:
        raise StaleRevision(current)
    if current.heading == heading and current.body == body:
        return current
    current.heading, current.body = heading, body
    current.revision += 1
    current.full_clean()
    stamp(current, by=by, reason=reason, meeting=meeting)
    current.save()
    return current


@transaction.atomic
def move_practice(
    practice: Practice,
    *,
    by,
    section: Section | None = None,
    after: Practice | None = None,
    first: bool = False,
    reason: str = "",
) -> Practice:
    """Place ``practice`` after ``after`` (or first) in ``section`` (default: its own)."""
    target = section or practice.section
    _require_edit(by, practice.section)
    if target.pk != practice.section_id:
        _require_edit(by, target)
        if target.document_id != practice.section.document_id:
            raise ValidationError("A practice can only move within its own document.")
    siblings = (
        Practice.objects.filter(section=target).exclude(pk=practice.pk).order_by("position", "id")
    )
    practice.section = target
    practice.position = position_after(siblings, after, by=by, first=first)
    stamp(practice, by=by, reason=reason or "Practice moved.")
    practice.save()
    return practice


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
def delete_practice(practice: Practice, *, by, reason: str = "") -> None:
    _require_edit(by, practice.section)
    stamp(practice, by=by, reason=reason or "Practice deleted.")
    practice.delete()
