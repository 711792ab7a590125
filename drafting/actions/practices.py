"""Writes to the draft's structure and text: one function per change.

Each function checks permission, changes the data and stamps history with who
and why. Workflow transitions (review, approval, adoption) live in workflow.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from drafting.actions.base import StaleRevision, _require_edit
from drafting.actions.ordering import position_after
from drafting.history import stamp
from drafting.models import Practice, Section


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
    meeting=None,
    on_behalf_of=None,
) -> Practice:
    """``on_behalf_of``: the history names this user (an accepted amendment's proposer)."""
    _require_edit(by, section)
    siblings = Practice.objects.filter(section=section).order_by("position", "id")
    practice = Practice(
        section=section,
        heading=heading,
        body=body,
        position=position_after(siblings, after, by=by, first=first),
    )
    practice.full_clean()
    stamp(practice, by=on_behalf_of or by, reason=reason or "Practice added.", meeting=meeting)
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
    on_behalf_of=None,
) -> Practice:
    """Save new text, refusing it if the practice moved on since ``base_revision``.

    The row is locked and its revision compared inside this transaction, so the
    check holds across processes (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
    IMMEDIATE transactions serialise writers). Permission is checked for ``by``;
    ``on_behalf_of`` (an accepted amendment's proposer) is who the history names.
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
    stamp(current, by=on_behalf_of or by, reason=reason, meeting=meeting)
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


def step_practice(practice: Practice, *, by, direction: str, reason: str = "") -> Practice:
    """Move a practice one place up or down, crossing into the neighbouring section at an edge."""
    siblings = list(practice.section.practices.order_by("position", "id"))
    index = next(i for i, p in enumerate(siblings) if p.pk == practice.pk)
    if direction == "up":
        if index >= 2:
            return move_practice(practice, by=by, after=siblings[index - 2], reason=reason)
        if index == 1:
            return move_practice(practice, by=by, first=True, reason=reason)
        neighbour = _neighbour_section(practice.section, -1)
        if neighbour is None:
            raise ValidationError("This is already the first practice of the document.")
        return move_practice(practice, by=by, section=neighbour, reason=reason)
    if direction == "down":
        if index < len(siblings) - 1:
            return move_practice(practice, by=by, after=siblings[index + 1], reason=reason)
        neighbour = _neighbour_section(practice.section, +1)
        if neighbour is None:
            raise ValidationError("This is already the last practice of the document.")
        return move_practice(practice, by=by, section=neighbour, first=True, reason=reason)
    raise ValidationError("Choose up or down.")


# --- Restoring from history (the "History and redlines" part of issue 3) ---
# Imports are local to these functions because the top of this module is being
# edited concurrently; they can be hoisted later.


def _number_at(section: Section, position: int, pk: int) -> int:
    """The continuous number a practice placed at (section, position) has in its document."""
    from django.db.models import Q

    ahead = Practice.objects.filter(section__document=section.document_id).filter(
        Q(section__position__lt=section.position)
        | Q(section__position=section.position, section_id__lt=section.pk)
        | Q(section=section, position__lt=position)
        | Q(section=section, position=position, id__lt=pk)
    )
    return ahead.exclude(pk=pk).count() + 1


def _day(moment) -> str:
    from django.utils import timezone
    from django.utils.dateformat import format as date_format

    return date_format(timezone.localtime(moment), "j F Y")


@transaction.atomic
def restore_practice_revision(
    practice: Practice,
    *,
    by,
    revision: int,
    base_revision: int | None = None,
    reason: str = "",
) -> Practice:
    """Make an old text revision current again, as a new change whose reason says so.

    History is never rewritten: the restored text becomes a new revision. With
    ``base_revision`` (the revision the user was looking at) a restore from a
    stale page is refused like a stale save.
    """
    from drafting.history import author_of

    current = (
        Practice.objects.select_for_update().select_related("section__document").get(pk=practice.pk)
    )
    _require_edit(by, current.section)
    if base_revision is not None and current.revision != base_revision:
        raise StaleRevision(current)
    rows = list(
        Practice.history.filter(id=current.pk, revision=revision)
        .select_related("history_user__profile__delegation")
        .order_by("history_date", "history_id")
    )
    if not rows:
        raise ValidationError(f"This practice has no revision {revision}.")
    source = rows[-1]
    if source.heading == current.heading and source.body == current.body:
        raise ValidationError(
            f"Revision {revision} has the same text as the current one: nothing to restore."
        )
    number = _number_at(current.section, current.position, current.pk)
    current.heading, current.body = source.heading, source.body
    current.revision += 1
    current.full_clean()
    # The first row of a revision is the one that wrote its text.
    written = f"text of {_day(rows[0].history_date)} by {author_of(rows[0])}"
    what = f"Restored revision {revision} of Good Practice {number} ({written})."
    stamp(current, by=by, reason=f"{what} {reason}".strip())
    current.save()
    return current


def _neighbour_section(section: Section, step: int) -> Section | None:
    siblings = list(Section.objects.filter(document=section.document_id).order_by("position", "id"))
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk) + step
    return siblings[index] if 0 <= index < len(siblings) else None
