"""Sections: add, edit, move, and their review transitions; one function per change.

Each function locks and re-reads the rows it changes and the rows its rule
depends on (drafting.actions.base: the document first, then sections), checks
permission and the workflow or structure rule, compares the revision the user
saw, writes and stamps history with who and why. Section transitions follow the
state table in drafting.workflow."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from drafting import limits, permissions, workflow
from drafting.actions import notifications as notify
from drafting.actions.base import (
    StaleRevision,
    _record,
    _require_edit,
    lock_document,
    lock_practices,
    lock_section,
    pk_of,
    refuse_if_stale,
)
from drafting.actions.ordering import position_after
from drafting.history import stamp
from drafting.models import (
    Document,
    Practice,
    Section,
)
from drafting.reads.agreement import not_agreed_practices
from drafting.workflow import _SECTION_WHO, SECTION_TRANSITIONS, S, _check, _section_blockers


def _label(section: Section) -> str:
    return f"Section “{section.title}”"


def _ordered_sections(document: Document) -> list[Section]:
    """The document's sections in order, locked (re-spacing may write them)."""
    rows = list(
        Section.objects.select_for_update().filter(document=document).order_by("position", "id")
    )
    for section in rows:
        section.document = document
    return rows


@transaction.atomic
def create_section(
    document: Document | int,
    *,
    by,
    title: str,
    introduction: str = "",
    after: Section | int | None = None,
    reason: str = "",
) -> Section:
    """Add a section after ``after`` (at the end if None).

    Refused (PermissionDenied) unless the document's structure is open to ``by``
    (why_cannot_add_section: not final, submitted or adopted); refused
    (ValidationError) if ``after`` is no longer a section of the document, or if
    the document would outgrow its size limits (drafting.limits).
    """
    current = lock_document(document)
    permissions.refuse_if(permissions.why_cannot_add_section(by, current))
    limits.refuse_if_too_big(
        current.pk, limits.Size(sections=1, characters=limits.text_size(title, introduction))
    )
    siblings = _ordered_sections(current)
    anchor = None
    if after is not None:
        anchor = next((s for s in siblings if s.pk == pk_of(after)), None)
        if anchor is None:
            raise ValidationError(
                "The section you chose to add it after no longer exists; nothing was added. "
                "Choose the place again."
            )
    section = Section(
        document=current,
        title=title,
        introduction=introduction,
        position=position_after(siblings, anchor, by=by),
    )
    section.full_clean()
    stamp(section, by=by, reason=reason or "Section added.")
    section.save()
    return section


def _place_section(
    current: Section,
    order: list[Section],
    anchor: Section | None,
    *,
    first: bool,
    by,
    reason: str,
) -> Section:
    """Check the whole move rule for a locked section, then write its new place: one change.

    ``order`` is every section of the document in order (locked). A move to where
    it already is writes nothing.
    """
    others = [s for s in order if s.pk != current.pk]
    new_index = 0 if first else (len(others) if anchor is None else others.index(anchor) + 1)
    counts = dict(
        Practice.objects.filter(section__document=current.document_id)
        .values_list("section")
        .annotate(n=Count("id"))
        .values_list("section", "n")
    )
    renumbered = workflow.renumbered_by_section_move(order, counts, current, new_index)
    permissions.refuse_if(permissions.why_cannot_move_section(by, current, renumbered=renumbered))
    if [s.pk for s in order].index(current.pk) == new_index:
        return current  # already there: nothing to record
    current.position = position_after(others, anchor, by=by, first=first)
    # A move is a change of the section: a page showing the old order is stale.
    current.revision += 1
    stamp(current, by=by, reason=reason or "Section moved.")
    current.save()
    return current


def _locked_for_move(section: Section | int, *, by, seen_revision: int | None):
    """Lock the document and its sections; check the document-level rule and staleness."""
    current = lock_section(section)
    order = _ordered_sections(current.document)
    current = next(s for s in order if s.pk == current.pk)
    permissions.refuse_if(permissions.why_cannot_move_section(by, current))
    refuse_if_stale(current, seen_revision, label=_label(current), undone="nothing was moved")
    return current, order


@transaction.atomic
def move_section(
    section: Section | int,
    *,
    by,
    after: Section | int | None = None,
    first: bool = False,
    reason: str = "",
    seen_revision: int | None = None,
) -> Section:
    """Place ``section`` after ``after`` (or first, or at the end).

    Checks, in order: permission (PermissionDenied: structure open, and moving an
    approved section or renumbering an approved one's practices is the
    secretariat's), the revision the user saw (StaleRevision; None for callers
    that showed no page), that the place still exists (ValidationError). The
    move bumps the section's revision and is one recorded change.
    """
    current, order = _locked_for_move(section, by=by, seen_revision=seen_revision)
    anchor = None
    if after is not None and not first:
        anchor = next((s for s in order if s.pk == pk_of(after)), None)
        if anchor is None:
            raise ValidationError(
                "The section you chose to place it after no longer exists; nothing was moved."
            )
        if anchor.pk == current.pk:
            raise ValidationError("A section cannot be placed after itself.")
    return _place_section(current, order, anchor, first=first, by=by, reason=reason)


@transaction.atomic
def update_section(
    section: Section | int,
    *,
    by,
    title: str,
    introduction: str,
    base_revision: int,
    reason: str = "",
    meeting=None,
) -> Section:
    """Save a section's title and introduction; stale saves are refused like practices'."""
    current = lock_section(section)
    _require_edit(by, current)
    if current.revision != base_revision:
        raise StaleRevision(current, seen=base_revision)
    if current.title == title and current.introduction == introduction:
        return current
    grown = limits.text_size(title, introduction) - limits.text_size(
        current.title, current.introduction
    )
    limits.refuse_if_too_big(current.document_id, limits.Size(characters=grown))
    current.title, current.introduction = title, introduction
    current.revision += 1
    current.full_clean()
    stamp(current, by=by, reason=reason, meeting=meeting)
    current.save()
    return current


@transaction.atomic
def step_section(
    section: Section | int,
    *,
    by,
    direction: str,
    reason: str = "",
    seen_revision: int | None = None,
) -> Section:
    """Move a section one place up or down; the same checks as move_section, in its order.

    A double submit is refused as stale (the first step bumped the revision).
    """
    current, order = _locked_for_move(section, by=by, seen_revision=seen_revision)
    index = order.index(current)
    if direction == "up":
        if index == 0:
            raise ValidationError(f"“{current.title}” is already the first section.")
        anchor = order[index - 2] if index >= 2 else None
        return _place_section(current, order, anchor, first=index == 1, by=by, reason=reason)
    if direction == "down":
        if index == len(order) - 1:
            raise ValidationError(f"“{current.title}” is already the last section.")
        return _place_section(current, order, order[index + 1], first=False, by=by, reason=reason)
    raise ValidationError("Choose up or down.")


# --- Section transitions ------------------------------------------------------------------


def _section_transition(
    section: Section | int, name: str, *, by, reason: str, seen_revision: int | None
) -> Section:
    """Lock document and section, then check who, staleness, state and blockers, in that order.

    The document is locked too: its status decides whether sections may change
    status (not while final or submitted), and finalising reads every section.
    """
    transition = SECTION_TRANSITIONS[name]
    current = lock_section(section)
    permissions.refuse_if(_SECTION_WHO[name](by, current))
    refuse_if_stale(
        current,
        seen_revision,
        label=_label(current),
        undone=f"it was not {transition.done}",
    )
    _check(
        current,
        transition,
        None,
        reason,
        lambda: _section_blockers(current, transition),
    )
    current.status = transition.target
    if transition.target != S.APPROVED:
        # The approval no longer holds; the history keeps who approved it and when.
        current.approved_by, current.approved_at, current.approval_note = None, None, ""
    # A new status is a change of the section: pages showing the old one are stale.
    current.revision += 1
    return current


@transaction.atomic
def request_review(
    section: Section | int, *, by, reason: str = "", seen_revision: int | None = None
) -> Section:
    """An expert or the secretariat sends a drafting section for review."""
    current = _section_transition(
        section, "request-review", by=by, reason=reason, seen_revision=seen_revision
    )
    _record(current, by=by, summary="Sent for review.", reason=reason)
    notify.section_moved_on(current, notify.Kind.SECTION_IN_REVIEW, by=by, note=reason)
    return current


@transaction.atomic
def approve_section(
    section: Section | int,
    *,
    by,
    note: str = "",
    meeting=None,
    seen_revision: int | None = None,
    not_agreed_reason: str = "",
) -> Section:
    """The secretariat approves a section in review; who, when and the note are kept.

    A section is approved when all its practices are agreed (issue 14), or the
    secretariat records why not: while any practice is proposed, under
    negotiation or only agreed ad referendum (reads.agreement.not_agreed_practices),
    ``not_agreed_reason`` is required (ValidationError on that field otherwise) and
    is kept in the approval note and the history, naming the practices. Also
    PermissionDenied (not the secretariat), StaleRevision, and ValidationError for
    the workflow's blockers (open amendments, a final document).
    """
    current = _section_transition(section, "approve", by=by, reason="", seen_revision=seen_revision)
    # Lock order: document and section (above), then the practices whose agreement decides.
    ids = Practice.objects.filter(section=current).values_list("pk", flat=True)
    practices = sorted(
        lock_practices({current.pk: current}, list(ids)).values(),
        key=lambda p: (p.position, p.pk),
    )
    open_points = not_agreed_practices(current, practices)
    why_not = not_agreed_reason.strip()
    if open_points and not why_not:
        raise ValidationError({"not_agreed_reason": _not_agreed_refusal(open_points)})
    if open_points:
        listed = ", ".join(f"{p.label} ({p.standing.label.lower()})" for p in open_points)
        recorded = f"Approved although not every practice is agreed — {listed}: {why_not}"
        note = f"{note.strip()}\n\n{recorded}".strip()
    current.approved_by, current.approved_at, current.approval_note = by, timezone.now(), note
    _record(current, by=by, summary="Approved.", reason=note, meeting=meeting)
    notify.section_moved_on(current, notify.Kind.SECTION_APPROVED, by=by, note=note)
    return current


def _not_agreed_refusal(open_points: list) -> str:
    """The message next to the reason field when practices of the section are not agreed."""
    n = len(open_points)
    listed = "; ".join(f"{p.label} is {p.standing.label.lower()}" for p in open_points)
    return (
        f"{n} practice{'s' if n != 1 else ''} of this section {'is' if n == 1 else 'are'} not "
        f"agreed ({listed}). Record their agreement first, or say why the section is approved "
        "anyway; nothing was approved."
    )


@transaction.atomic
def return_section_to_drafting(
    section: Section | int, *, by, reason: str, seen_revision: int | None = None
) -> Section:
    """The secretariat sends a section in review back to drafting; a reason is required."""
    current = _section_transition(
        section, "return-to-drafting", by=by, reason=reason, seen_revision=seen_revision
    )
    return _record(current, by=by, summary="Returned to drafting:", reason=reason)


@transaction.atomic
def reopen_section(
    section: Section | int, *, by, reason: str, seen_revision: int | None = None
) -> Section:
    """The secretariat reopens an approved section for drafting; a reason is required."""
    current = _section_transition(
        section, "reopen", by=by, reason=reason, seen_revision=seen_revision
    )
    return _record(current, by=by, summary="Reopened:", reason=reason)


SECTION_FUNCTIONS: dict[str, Callable[..., Section]] = {
    "request-review": request_review,
    "approve": approve_section,
    "return-to-drafting": return_section_to_drafting,
    "reopen": reopen_section,
}
