"""Practices: add, edit, move, restore a revision; one function per change.

Each function locks and re-reads the rows it changes and the rows its rule
depends on (drafting.actions.base: document, then sections, then practices),
checks permission and the structure rule (drafting.permissions), compares the
revision the user saw, writes and stamps history with who and why. Rows and
positions passed in (instances or ids) are only used for their ids."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from drafting import limits, numbering, permissions, workflow
from drafting.actions.base import (
    StaleRevision,
    _require_edit,
    lock_practice,
    lock_practices,
    lock_section,
    lock_sections,
    pk_of,
    practice_label,
    refuse_if_stale,
)
from drafting.actions.ordering import give_kept_label, position_after
from drafting.history import stamp
from drafting.models import Practice, Section
from drafting.reads.agreement import agreement_in_force, lapse_note


def _anchor_in(section: Section, after: Practice | int | None, *, moving: int | None = None):
    """The practice to place something after, re-read under lock, or None (no anchor).

    Refused in words when it has left ``section`` (moved or deleted) since the
    user chose it: the place they picked no longer exists.
    """
    if after is None:
        return None
    anchor = lock_practices({section.pk: section}, [pk_of(after)]).get(pk_of(after))
    if anchor is None:
        raise ValidationError(
            f"The practice you chose to place it after is no longer in “{section.title}” "
            "(it was moved or deleted since you opened the page); nothing was changed. "
            "Choose the place again."
        )
    if anchor.pk == moving:
        raise ValidationError("A practice cannot be placed after itself.")
    return anchor


def _siblings(section: Section, *, without: int | None = None) -> list[Practice]:
    """The section's practices in order, locked (re-spacing may write them)."""
    rows = Practice.objects.select_for_update().filter(section=section).order_by("position", "id")
    return [p for p in rows if p.pk != without]


@transaction.atomic
def create_practice(
    section: Section | int,
    *,
    by,
    heading: str,
    body: str = "",
    after: Practice | int | None = None,
    first: bool = False,
    reason: str = "",
    meeting=None,
    on_behalf_of=None,
    label: tuple[int, int] | None = None,
) -> Practice:
    """Add a practice to ``section`` after ``after`` (first if ``first``, else at the end).

    Refused (PermissionDenied) unless ``by`` may edit the section; refused
    (ValidationError) if ``after`` is no longer in the section, or if the document
    would outgrow its size limits (drafting.limits). ``on_behalf_of``: the history
    names this user (an accepted amendment's proposer). Under the keep-numbers rule
    the new practice gets the label of an insertion ("7 bis" after 7,
    drafting.numbering), or ``label`` (number, suffix: an imported "7 bis") when that
    one is free and in order.
    """
    current = lock_section(section)
    _require_edit(by, current)
    limits.refuse_if_too_big(
        current.document_id, limits.Size(practices=1, characters=limits.text_size(heading, body))
    )
    anchor = None if first else _anchor_in(current, after)
    practice = Practice(
        section=current,
        heading=heading,
        body=body,
        position=position_after(_siblings(current), anchor, by=by, first=first),
    )
    give_kept_label(practice, current.document, wanted=label)
    practice.full_clean()
    stamp(practice, by=on_behalf_of or by, reason=reason or "Practice added.", meeting=meeting)
    practice.save()
    return practice


@transaction.atomic
def update_practice(
    practice: Practice | int,
    *,
    by,
    heading: str,
    body: str,
    base_revision: int,
    reason: str = "",
    meeting=None,
    on_behalf_of=None,
) -> Practice:
    """Save new text, refusing it (StaleRevision) if the practice moved on since ``base_revision``.

    The row is locked and its revision compared inside this transaction, so the
    check holds across processes (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
    IMMEDIATE transactions serialise writers). Permission is checked for ``by``;
    ``on_behalf_of`` (an accepted amendment's proposer) is who the history names.
    Editing an agreed (or agreed ad referendum) practice reopens it: the history
    reason says the agreement lapsed (reads.agreement.lapse_note).
    """
    current = lock_practice(practice)
    _require_edit(by, current.section)
    if current.revision != base_revision:
        raise StaleRevision(current, seen=base_revision)
    if current.heading == heading and current.body == body:
        return current
    _refuse_if_longer_too_big(current, heading, body)
    # An agreement holds for one revision of the text: say in the history that it lapses.
    agreed = agreement_in_force(current)
    if agreed is not None:
        reason = f"{reason.strip()} {lapse_note(agreed)}".strip()
    current.heading, current.body = heading, body
    current.revision += 1
    current.full_clean()
    stamp(current, by=on_behalf_of or by, reason=reason, meeting=meeting)
    current.save()
    return current


def _refuse_if_longer_too_big(current: Practice, heading: str, body: str) -> None:
    """A longer text must fit the document's size limit (a shorter one always does)."""
    grown = limits.text_size(heading, body) - limits.text_size(current.heading, current.body)
    limits.refuse_if_too_big(current.section.document_id, limits.Size(characters=grown))


def _section_order(document_id: int) -> tuple[list[Section], dict[int, int]]:
    """The document's sections in order and how many practices each has (two queries)."""
    order = list(Section.objects.filter(document=document_id).order_by("position", "id"))
    counts = dict(
        Practice.objects.filter(section__document=document_id)
        .values_list("section")
        .annotate(n=Count("id"))
        .values_list("section", "n")
    )
    return order, counts


def _place(
    current: Practice,
    target: Section,
    anchor: Practice | None,
    *,
    first: bool,
    by,
    reason: str,
) -> Practice:
    """Check the whole move rule for a locked practice, then write its new place: one change.

    A move to where it already is writes nothing.
    """
    order, counts = _section_order(target.document_id)
    source = current.section
    permissions.refuse_if(
        permissions.why_cannot_move_practice(
            by,
            source,
            target,
            renumbered=workflow.renumbered_by_practice_move(order, counts, source, target),
        )
    )
    siblings = _siblings(target, without=current.pk)
    ids = [p.pk for p in siblings]
    index = 0 if first else (len(ids) if anchor is None else ids.index(anchor.pk) + 1)
    if target.pk == source.pk:
        before = [p.pk for p in _siblings(source)]
        if before == [*ids[:index], current.pk, *ids[index:]]:
            return current  # already there: nothing to record
    current.section = target
    current.position = position_after(siblings, anchor, by=by, first=first)
    # A move is a change of the practice: an edit or move form opened before it is stale.
    current.revision += 1
    where = "" if target.pk == source.pk else f" from “{source.title}” to “{target.title}”"
    stamp(current, by=by, reason=reason or f"Practice moved{where}.")
    current.save()
    return current


@transaction.atomic
def move_practice(
    practice: Practice | int,
    *,
    by,
    section: Section | int | None = None,
    after: Practice | int | None = None,
    first: bool = False,
    reason: str = "",
    seen_revision: int | None = None,
) -> Practice:
    """Place ``practice`` after ``after`` (or first, or last) in ``section`` (default: its own).

    Locks the document, both sections and the practice, then checks, in order:
    permission (PermissionDenied: the sections must be open to ``by``'s edits, and
    passing over approved sections is the secretariat's), the revision the user saw
    (StaleRevision; None for callers that showed no page), that the place still
    exists (ValidationError). The move is one recorded change that bumps the
    practice's revision.
    """
    target_id = None if section is None else pk_of(section)
    current = lock_practice(practice, *([target_id] if target_id is not None else []))
    document = current.section.document
    _require_edit(by, current.section)
    refuse_if_stale(
        current, seen_revision, label=lambda: practice_label(current), undone="nothing was moved"
    )
    if target_id is None or target_id == current.section_id:
        target = current.section
    else:
        target = lock_sections(document, [target_id]).get(target_id)
        if target is None:
            raise ValidationError(
                "That section is not part of this document (or no longer exists); "
                "nothing was moved."
            )
    anchor = None if first else _anchor_in(target, after, moving=current.pk)
    return _place(current, target, anchor, first=first, by=by, reason=reason)


@transaction.atomic
def step_practice(
    practice: Practice | int,
    *,
    by,
    direction: str,
    reason: str = "",
    seen_revision: int | None = None,
) -> Practice:
    """Move a practice one place up or down, crossing into the neighbouring section at an edge.

    The same checks as move_practice, in the same order; the neighbours are read
    under the document's lock, so a double submit is refused as stale (the first
    step bumped the revision) rather than taken twice.
    """
    current = lock_practice(practice)
    _require_edit(by, current.section)
    refuse_if_stale(
        current, seen_revision, label=lambda: practice_label(current), undone="nothing was moved"
    )
    section = current.section
    siblings = _siblings(section)
    index = next(i for i, p in enumerate(siblings) if p.pk == current.pk)
    if direction == "up":
        if index >= 2:
            return _place(current, section, siblings[index - 2], first=False, by=by, reason=reason)
        if index == 1:
            return _place(current, section, None, first=True, by=by, reason=reason)
        neighbour = _neighbour_section(section, -1)
        if neighbour is None:
            raise ValidationError("This is already the first practice of the document.")
        return _place(current, neighbour, None, first=False, by=by, reason=reason)
    if direction == "down":
        if index < len(siblings) - 1:
            return _place(current, section, siblings[index + 1], first=False, by=by, reason=reason)
        neighbour = _neighbour_section(section, +1)
        if neighbour is None:
            raise ValidationError("This is already the last practice of the document.")
        return _place(current, neighbour, None, first=True, by=by, reason=reason)
    raise ValidationError("Choose up or down.")


# --- Restoring from history (the "History and redlines" part of issue 3) ---
# Imports are local to these functions because the top of this module is being
# edited concurrently; they can be hoisted later.


def _number_at(
    section: Section, position: int, pk: int, kept: tuple[int | None, int] = (None, 0)
) -> int | str:
    """The number a practice placed at (section, position) has in its document.

    Under keep numbers: its label ``kept`` (drafting.numbering), when it holds one.
    """
    from django.db.models import Q

    document = section.document
    if document.numbering == numbering.KEEP and kept[0] is not None:
        return numbering.kept_label(*kept)
    ahead = Practice.objects.filter(section__document=section.document_id).filter(
        Q(section__position__lt=section.position)
        | Q(section__position=section.position, section_id__lt=section.pk)
        | Q(section=section, position__lt=position)
        | Q(section=section, position=position, id__lt=pk)
    )
    return ahead.exclude(pk=pk).count() + section.document.first_number


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

    current = lock_practice(practice)
    _require_edit(by, current.section)
    if base_revision is not None and current.revision != base_revision:
        raise StaleRevision(current, seen=base_revision)
    rows = list(
        Practice.history.filter(id=current.pk, revision=revision)
        .select_related("history_user__profile__delegation")
        .order_by("history_id")
    )
    if not rows:
        raise ValidationError(f"This practice has no revision {revision}.")
    source = rows[-1]
    if source.heading == current.heading and source.body == current.body:
        raise ValidationError(
            f"Revision {revision} has the same text as the current one: nothing to restore."
        )
    _refuse_if_longer_too_big(current, source.heading, source.body)
    number = _number_at(
        current.section, current.position, current.pk, (current.kept_number, current.kept_suffix)
    )
    current.heading, current.body = source.heading, source.body
    current.revision += 1
    current.full_clean()
    # The first row of a revision is the one that wrote its text.
    written = f"text of {_day(rows[0].history_date)} by {author_of(rows[0])}"
    what = f"Restored revision {revision} of {current.section.document.label(number)} ({written})."
    stamp(current, by=by, reason=f"{what} {reason}".strip())
    current.save()
    return current


def _neighbour_section(section: Section, step: int) -> Section | None:
    """The section ``step`` places away from a locked ``section``, locked too (or None)."""
    siblings = list(Section.objects.filter(document=section.document_id).order_by("position", "id"))
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk) + step
    if not 0 <= index < len(siblings):
        return None
    return lock_sections(section.document, [siblings[index].pk])[siblings[index].pk]
