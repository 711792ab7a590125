"""Deleting sections and practices, and restoring them: nothing is deleted for good.

A delete removes the rows for real, so every reader of the present (pages,
numbering, exports) and of the past (snapshots, timelines and redlines, which
read a deleted row as its "-" history row) stays correct without learning to
skip anything. What a plain delete would lose is recorded in one tracked
``Deletion`` row: what was deleted, by whom, why, where it stood, and the ids of
everything removed or detached with it. A restore is one action on that row: it
recreates every row from its last history row, with its id, re-attaches what
was detached, puts the section or practice back where it stood and marks the
deletion restored, each change stamped with who restored it and why.

Every function here runs in one transaction, locks the rows it changes, checks
permission (drafting.permissions) and the revision the user saw, and stamps
history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from drafting import limits, permissions
from drafting.actions.base import StaleRevision
from drafting.actions.ordering import give_kept_label, position_after
from drafting.actions.practices import _day, _number_at
from drafting.history import last_row, latest_rows_as_of, person, rows_through, stamp
from drafting.models import AgendaItem, Amendment, Comment, Deletion, Document, Practice, Section
from drafting.reads.deletions import section_deletion_facts

Kind = Deletion.Kind


def section_fingerprint(section: Section, practices: Iterable[Practice]) -> str:
    """What the person deleting a section was shown: its revision and its practices' revisions.

    The confirmation form carries it; a delete whose fingerprint no longer matches
    is refused as stale, so nobody deletes text they have not seen.
    """
    seen = [f"s{section.pk}.{section.revision}"]
    seen += [f"p{p.pk}.{p.revision}" for p in sorted(practices, key=lambda p: p.pk)]
    return hashlib.sha256(";".join(seen).encode()).hexdigest()[:20]


def _who(user) -> str:
    return str(person(user)) if user is not None else "an unknown user"


def already_deleted(kind: str, object_id: int) -> Deletion | None:
    """The newest deletion that removed this section or practice and is not restored yet.

    A practice deleted with its section is found through the section's deletion.
    """
    found = (
        Deletion.objects.filter(kind=kind, object_id=object_id, restored_at__isnull=True)
        .select_related("document", "deleted_by__profile__delegation")
        .order_by("-deleted_at", "-id")
        .first()
    )
    if found is None and kind == Kind.PRACTICE:
        last = _last_row(Practice, object_id)
        if last is not None:
            found = already_deleted(Kind.SECTION, last.section_id)
            if found is not None and object_id not in found.practice_ids:
                found = None
    return found


def gone(kind: str, object_id: int) -> ValidationError:
    """The refusal for deleting what is already gone (a double submit, a stale page)."""
    what = "This section" if kind == Kind.SECTION else "This practice"
    deletion = already_deleted(kind, object_id)
    if deletion is None:
        return ValidationError(f"{what} no longer exists.")
    return ValidationError(
        f"{what} was already deleted on {_day(deletion.deleted_at)} by "
        f"{_who(deletion.deleted_by)}; it is on the document’s Deleted page, from which it "
        "can be restored."
    )


def _last_row(model: type[models.Model], object_id: int):
    return last_row(
        model.history.filter(id=object_id).select_related("history_user__profile__delegation")
    )


# --- deleting ------------------------------------------------------------------------------


@transaction.atomic
def delete_practice(
    practice: Practice,
    *,
    by,
    reason: str = "",
    seen_revision: int | None = None,
    meeting=None,
    on_behalf_of=None,
) -> Deletion:
    """Delete a practice into its document's Deleted list; returns the ``Deletion``.

    Locks and re-reads the practice; refuses (PermissionDenied) whoever may not edit
    its section, (StaleRevision) a delete from a page that showed another revision
    than ``seen_revision``, and (ValidationError) a practice already deleted. Its
    amendments and comments stay on the section, their link cleared and recorded so
    a restore re-attaches them. ``on_behalf_of``: the history names this user (an
    accepted amendment's proposer).
    """
    # The document first, as every writer does, so two writers never lock in opposite orders.
    _lock_document_of(Practice.objects.filter(pk=practice.pk), "section__document_id")
    current = (
        Practice.objects.select_for_update()
        .select_related("section__document")
        .filter(pk=practice.pk)
        .first()
    )
    if current is None:
        raise gone(Kind.PRACTICE, practice.pk)
    section = current.section
    permissions.refuse_if(permissions.why_cannot_delete_practice(by, section))
    if seen_revision is not None and current.revision != seen_revision:
        raise StaleRevision(current)
    who = on_behalf_of or by
    given = reason.strip()
    reason = given or "Practice deleted."
    before = _predecessor_id(Practice.objects.filter(section=section), current)
    deletion = Deletion(
        document=section.document,
        kind=Kind.PRACTICE,
        object_id=current.pk,
        label=current.heading,
        number=_number_at(
            section, current.position, current.pk, (current.kept_number, current.kept_suffix)
        ),
        section_id_then=section.pk,
        after_id=before,
        practice_ids=[current.pk],
        reason=given,
        deleted_by=who,
        deleted_at=timezone.now(),
    )
    amendments, comments = _detach_from_practice(current, by=by)
    deletion.detached_amendment_ids = amendments
    deletion.detached_comment_ids = comments
    _remove(current, by=who, reason=reason, meeting=meeting)
    stamp(deletion, by=who, reason=reason, meeting=meeting)
    deletion.save()
    return deletion


def _detach_from_practice(practice: Practice, *, by) -> tuple[list[int], list[int]]:
    """Keep a deleted practice's amendments and comments on its section, each change recorded.

    Left to the database, SET_NULL and CASCADE would rewrite or remove these
    tracked rows without a history row naming who did it. Returns the ids
    detached (amendments, comments), which the deletion keeps for a restore.
    """
    amendments = list(
        Amendment.objects.select_for_update().filter(practice=practice).order_by("pk")
    )
    for amendment in amendments:
        amendment.practice = None
        stamp(amendment, by=by, reason=f"The practice it concerns was deleted by {_who(by)}.")
        amendment.save()
    comments = list(Comment.objects.select_for_update().filter(practice=practice).order_by("pk"))
    for comment in comments:
        comment.practice = None
        stamp(comment, by=by, reason="Its practice was deleted; the comment stays on the section.")
        comment.save()
    return [a.pk for a in amendments], [c.pk for c in comments]


def _predecessor_id(siblings: models.QuerySet, row: Practice | Section) -> int | None:
    """The id of the row just before ``row`` among ``siblings`` (order: position, id)."""
    return (
        siblings.filter(Q(position__lt=row.position) | Q(position=row.position, id__lt=row.pk))
        .order_by("-position", "-id")
        .values_list("id", flat=True)
        .first()
    )


def _remove(row: Practice | Section, *, by, reason: str, meeting=None) -> None:
    """Delete ``row`` as it stands in the database now; refuse if its text moved on meanwhile.

    simple-history writes the "-" row from the instance deleted, so the instance is
    re-read here, under the lock, right before the delete: the row records the
    newest text, and a change that slipped in after the caller read the row makes
    the whole delete refused (StaleRevision) rather than recorded over.
    """
    fresh = type(row).objects.select_for_update().get(pk=row.pk)
    if fresh.revision != row.revision:
        raise StaleRevision(fresh)
    stamp(fresh, by=by, reason=reason, meeting=meeting)
    fresh.delete()


@transaction.atomic
def delete_section(section: Section, *, by, reason: str = "", seen: str | None = None) -> Deletion:
    """Delete a section with its practices, amendments, comments and agenda items; restorable.

    Locks the section and everything in it. Refuses (PermissionDenied) per
    permissions.why_cannot_delete_section: only the secretariat deletes a section
    that holds practices, an expert only an empty section they added. ``seen`` is the
    ``section_fingerprint`` the confirmation page showed; if the section or one of
    its practices changed since, StaleRevision and nothing is deleted.
    """
    _lock_document_of(Section.objects.filter(pk=section.pk), "document_id")
    current = (
        Section.objects.select_for_update().select_related("document").filter(pk=section.pk).first()
    )
    if current is None:
        raise gone(Kind.SECTION, section.pk)
    practices = list(
        Practice.objects.select_for_update().filter(section=current).order_by("position", "id")
    )
    facts = section_deletion_facts(current, practices=len(practices))
    permissions.refuse_if(permissions.why_cannot_delete_section(by, current, **facts))
    if seen is not None and seen != section_fingerprint(current, practices):
        raise StaleRevision(current)
    given = reason.strip()
    reason = given or f"Section “{current.title}” deleted."
    # Replies before the comments they answer, so no cascade deletes a row unrecorded.
    comments = list(Comment.objects.select_for_update().filter(section=current).order_by("-pk"))
    amendments = list(Amendment.objects.select_for_update().filter(section=current).order_by("-pk"))
    agenda = list(AgendaItem.objects.select_for_update().filter(section=current).order_by("-pk"))
    before = _predecessor_id(Section.objects.filter(document=current.document_id), current)
    deletion = Deletion(
        document=current.document,
        kind=Kind.SECTION,
        object_id=current.pk,
        label=current.title,
        after_id=before,
        practice_ids=[p.pk for p in practices],
        amendment_ids=sorted(a.pk for a in amendments),
        comment_ids=sorted(c.pk for c in comments),
        agenda_item_ids=sorted(i.pk for i in agenda),
        reason=given,
        deleted_by=by,
        deleted_at=timezone.now(),
    )
    # Everything the database would cascade, deleted here so history names who and why.
    for row in [*comments, *amendments, *agenda]:
        stamp(row, by=by, reason=reason)
        row.delete()
    for practice in practices:
        _remove(practice, by=by, reason=reason)
    _remove(current, by=by, reason=reason)
    stamp(deletion, by=by, reason=reason)
    deletion.save()
    return deletion


# --- restoring -----------------------------------------------------------------------------


@transaction.atomic
def restore_deletion(deletion: Deletion | int, *, by, reason: str = "") -> Deletion:
    """Put a deleted section or practice back, with everything that went with it.

    Locks the deletion; refuses (PermissionDenied) per permissions.why_cannot_restore,
    and (ValidationError) a deletion already restored, or a practice whose section
    is deleted too (restore the section first), or one that would take the document
    past its size limits (drafting.limits). Rows come back with their ids and
    last text (revision bumped, so a form opened before the deletion cannot
    overwrite them unnoticed); the section or practice goes after the one that
    preceded it if that is still there, first if it was first, else at the end.
    Returns the deletion, marked restored.
    """
    pk = deletion.pk if isinstance(deletion, Deletion) else deletion
    _lock_document_of(Deletion.objects.filter(pk=pk), "document_id")
    current = (
        # of=self: PostgreSQL refuses to lock the nullable side of the joins to the users.
        Deletion.objects.select_for_update(of=("self",))
        .select_related("document", "deleted_by__profile__delegation")
        .get(pk=pk)
    )
    section = None
    if current.kind == Kind.PRACTICE:
        section = (
            Section.objects.select_for_update()
            .select_related("document")
            .filter(pk=current.section_id_then)
            .first()
        )
    permissions.refuse_if(permissions.why_cannot_restore(by, current, section))
    if current.is_restored:
        restorer = current.restored_by
        raise ValidationError(
            f"{current} was already restored by {_who(restorer)} on {_day(current.restored_at)}."
        )
    deleted = f"deleted {_day(current.deleted_at)} by {_who(current.deleted_by)}"
    # Measured around the restore (what comes back is only known once recreated); a
    # refusal raised below rolls the whole restore back.
    before = limits.document_size(current.document_id)
    if current.kind == Kind.SECTION:
        _restore_section(current, by=by, deleted=deleted, reason=reason)
    else:
        if section is None:
            title = _last_row(Section, current.section_id_then)
            raise ValidationError(
                f"This practice cannot be restored: its section "
                f"“{title.title if title else '?'}” has been deleted. Restore the section first."
            )
        _restore_practice(current, section, by=by, deleted=deleted, reason=reason)
    restored = limits.document_size(current.document_id) - before
    limits.refuse_if_too_big(current.document_id, restored, now=before)
    current.restored_by, current.restored_at = by, timezone.now()
    stamp(current, by=by, reason=f"Restored. {reason}".strip())
    current.save()
    return current


def _place(siblings: Sequence, after_id: int | None, *, by) -> int:
    """After the row that preceded it if still there; first if it was first; else at the end."""
    if after_id is None:
        return position_after(siblings, None, by=by, first=True)
    anchor = next((row for row in siblings if row.pk == after_id), None)
    return position_after(siblings, anchor, by=by)


def _restore_practice(deletion: Deletion, section: Section, *, by, deleted: str, reason: str):
    if Practice.objects.filter(pk=deletion.object_id).exists():
        raise ValidationError("This practice is already back in the document.")
    siblings = list(Practice.objects.filter(section=section).order_by("position", "id"))
    position = _place(siblings, deletion.after_id, by=by)
    # Under keep numbers it gets back its own label, unless another practice holds it
    # now or it no longer fits in order there (after Renumber now): then a new one.
    row = _last_row(Practice, deletion.object_id)
    placed = Practice(pk=deletion.object_id, section=section, position=position)
    wanted = None if row is None or row.kept_number is None else (row.kept_number, row.kept_suffix)
    give_kept_label(placed, section.document, wanted=wanted)
    kept = (placed.kept_number, placed.kept_suffix)
    label = section.document.label(_number_at(section, position, deletion.object_id, kept))
    what = f"Restored deleted {label} ({deleted})."
    (practice,) = _recreate(
        Practice,
        [deletion.object_id],
        by=by,
        reason=f"{what} {reason}".strip(),
        fixed={"section_id": section.pk, "position": position}
        | ({"kept_number": kept[0], "kept_suffix": kept[1]} if kept[0] is not None else {}),
    )
    again = f"Re-attached: {label} was restored by {_who(by)} ({deleted})."
    for model, ids in (
        (Amendment, deletion.detached_amendment_ids),
        (Comment, deletion.detached_comment_ids),
    ):
        # Only rows still waiting on this section: one deleted or re-linked since stays as it is.
        for row in model.objects.select_for_update().filter(
            pk__in=ids, practice__isnull=True, section=section
        ):
            row.practice = practice
            stamp(row, by=by, reason=again)
            row.save()


def _restore_section(deletion: Deletion, *, by, deleted: str, reason: str) -> None:
    if Section.objects.filter(pk=deletion.object_id).exists():
        raise ValidationError("This section is already back in the document.")
    siblings = list(
        Section.objects.select_for_update()
        .filter(document=deletion.document_id)
        .order_by("position", "id")
    )
    position = _place(siblings, deletion.after_id, by=by)
    what = f"Restored deleted section “{deletion.label}” ({deleted})."
    _recreate(
        Section,
        [deletion.object_id],
        by=by,
        reason=f"{what} {reason}".strip(),
        fixed={"document_id": deletion.document_id, "position": position},
    )
    along = f"Restored with the section “{deletion.label}” ({deleted}). {reason}".strip()
    restoring = {Section: {deletion.object_id}, Practice: set(deletion.practice_ids)}
    practices = _recreate(Practice, deletion.practice_ids, by=by, reason=along, restoring=restoring)
    document = Document.objects.get(pk=deletion.document_id)
    for practice in practices if document.numbering == Document.Numbering.KEEP else ():
        # Its own label back, unless another practice holds it now (after Renumber now).
        own = (practice.kept_number, practice.kept_suffix)
        give_kept_label(practice, document, wanted=own if own[0] is not None else None)
        if (practice.kept_number, practice.kept_suffix) != own:
            stamp(practice, by=by, reason=f"{along} Its number was taken: labelled anew.")
            practice.save(update_fields=["kept_number", "kept_suffix"])
    restoring[Comment] = set(deletion.comment_ids)
    _recreate(Comment, deletion.comment_ids, by=by, reason=along, restoring=restoring)
    _recreate(Amendment, deletion.amendment_ids, by=by, reason=along, restoring=restoring)
    _recreate(AgendaItem, deletion.agenda_item_ids, by=by, reason=along, restoring=restoring)


def _recreate(
    model: type[models.Model],
    ids: Sequence[int],
    *,
    by,
    reason: str,
    fixed: dict | None = None,
    restoring: dict | None = None,
) -> list[models.Model]:
    """Insert rows again from their last history rows, keeping their ids, in id order.

    ``fixed`` overrides fields of every row (a new position). A revision counter is
    bumped. A link to something that no longer exists is cleared when it may be
    empty (the meeting an amendment was decided at); otherwise the restore is
    refused in words. ``restoring``: model -> ids being restored in this action,
    which count as existing.
    """
    if not ids:
        return []
    last = {row.id: row for row in latest_rows_as_of(model.history.filter(id__in=ids))}
    fields = model._meta.concrete_fields
    objects = []
    for pk in sorted(ids):
        row = last.get(pk)
        if row is None or row.history_type != "-":
            continue  # never existed, or back already: nothing to recreate
        obj = model(**{f.attname: getattr(row, f.attname) for f in fields})
        for name, value in (fixed or {}).items():
            setattr(obj, name, value)
        if hasattr(obj, "revision"):
            obj.revision += 1
        objects.append(obj)
    _check_links(model, objects, restoring or {})
    for obj in objects:
        stamp(obj, by=by, reason=reason)
        obj.save(force_insert=True)
    return objects


def _check_links(model: type[models.Model], objects: list, restoring: dict) -> None:
    """Clear or refuse links from restored rows to rows that no longer exist (one query a link)."""
    for field in model._meta.concrete_fields:
        if not field.many_to_one:
            continue
        target = field.related_model
        wanted = {getattr(o, field.attname) for o in objects} - {None}
        if not wanted:
            continue
        present = set(target._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        present |= restoring.get(target, set())
        for obj in objects:
            value = getattr(obj, field.attname)
            if value is None or value in present:
                continue
            if not field.null:
                raise ValidationError(
                    f"{model._meta.verbose_name.capitalize()} #{obj.pk} cannot be restored: the "
                    f"{field.verbose_name} it belongs to no longer exists."
                )
            setattr(obj, field.attname, None)


# --- the practice history page's "Restore" ------------------------------------------------


@transaction.atomic
def undelete_practice(practice_id: int, *, by, reason: str = "") -> Practice:
    """Restore a deleted practice by its id (the history pages' button); returns it.

    Goes through its ``Deletion``. A practice deleted before deletions were recorded
    gets one made from its history first (where it stood, which amendments and
    comments lost their link to it), so every restore is the same action.
    """
    if Practice.objects.filter(pk=practice_id).exists():
        raise ValidationError("This practice has not been deleted.")
    deletion = (
        Deletion.objects.filter(kind=Kind.PRACTICE, object_id=practice_id, restored_at__isnull=True)
        .order_by("-deleted_at", "-id")
        .first()
    )
    if deletion is None:
        with_section = already_deleted(Kind.PRACTICE, practice_id)
        if with_section is not None:
            raise ValidationError(
                f"This practice was deleted with its section “{with_section.label}”: restore "
                "the section from the document’s Deleted page."
            )
        deletion = record_deletion_from_history(
            practice_id, by=by, reason="Recorded from the practice’s history, to restore it."
        )
    restore_deletion(deletion, by=by, reason=reason)
    return Practice.objects.select_related("section__document").get(pk=practice_id)


def record_deletion_from_history(
    practice_id: int, *, by, reason: str, when: datetime | None = None
) -> Deletion:
    """The record delete_practice makes, rebuilt from history for a practice deleted without one.

    For deletions older than the Deleted page, and for the demo loader, which
    writes its back-dated history directly (``when``). Only records facts already
    in history; the restore that may follow checks who may restore.
    """
    last = _last_row(Practice, practice_id)
    if last is None:
        raise Practice.DoesNotExist(f"No practice {practice_id} ever existed.")
    section = Section.objects.select_related("document").filter(pk=last.section_id).first()
    if section is None:
        title = _last_row(Section, last.section_id)
        raise ValidationError(
            f"This practice cannot be restored: its section “{title.title if title else '?'}” "
            "has been deleted. Restore the section first."
        )
    # Where it stood: the nearest practice before it at that moment that is still here.
    ever_here = Practice.history.filter(section_id=section.pk).values("id")
    then = rows_through(Practice.history.filter(id__in=ever_here), last.history_id)
    before_it = sorted(
        (row.position, row.id)
        for row in then
        if row.history_type != "-"
        and row.section_id == section.pk
        and (row.position, row.id) < (last.position, last.id)
    )
    still_here = set(Practice.objects.filter(section=section).values_list("pk", flat=True))
    anchor = next((pk for _, pk in reversed(before_it) if pk in still_here), None)
    # Its amendments and comments were detached: they are on the section, unlinked, and
    # their history shows this practice.
    detached = {}
    for model in (Amendment, Comment):
        linked = model.history.filter(practice_id=practice_id).values("id")
        detached[model] = sorted(
            model.objects.filter(pk__in=linked, practice__isnull=True, section=section).values_list(
                "pk", flat=True
            )
        )
    deletion = Deletion(
        document=section.document,
        kind=Kind.PRACTICE,
        object_id=practice_id,
        label=last.heading,
        section_id_then=section.pk,
        after_id=anchor,
        practice_ids=[practice_id],
        detached_amendment_ids=detached[Amendment],
        detached_comment_ids=detached[Comment],
        reason=last.history_change_reason or "",
        deleted_by=last.history_user,
        deleted_at=last.history_date,
    )
    stamp(deletion, by=by, reason=reason, when=when)
    deletion.save()
    return deletion


def _lock_document_of(rows: models.QuerySet, path: str) -> None:
    """Lock the document ``rows`` (one row, or none) belong to, if it still exists.

    The lock order of every writer: the document, then its sections, practices and
    the rest (see drafting.actions.base). A row already gone locks nothing; the
    caller then refuses in its own words.
    """
    document_id = rows.values_list(path, flat=True).first()
    if document_id is not None:
        Document.objects.select_for_update().filter(pk=document_id).first()
