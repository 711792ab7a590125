"""Setting up a document in the application: creating it and editing its details.

The details are the title page (line above the title, title, forum, initiative,
working group, co-leads, implementing partner), the front matter (introduction)
and how practices are labelled and numbered (label term, first number,
numbering rule). Both actions are the secretariat's (drafting.permissions
why_cannot_create_document / why_cannot_edit_document_details) and stamp
history with who and why, like every other writer.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from drafting import numbering, permissions
from drafting.actions.base import StaleRevision, lock_document, refuse_if_stale
from drafting.actions.ordering import freeze_numbers
from drafting.actions.sections import create_section
from drafting.history import stamp
from drafting.history.record import person
from drafting.models import Delegation, Document
from drafting.reads.documents import renumber_plan

# The fields a person sets on the "New document" and "Edit document details" pages.
DETAIL_FIELDS = (
    "pretitle",
    "title",
    "short_title",
    "forum",
    "initiative",
    "working_group",
    "implementing_partner",
    "label_term",
    "first_number",
    "numbering",
    "introduction",
)
# Paths under /documents/ that are pages, not documents.
RESERVED_SLUGS = {"new"}


def slug_refusal(slug: str, *, but: Document | None = None) -> str:
    """Why ``slug`` cannot be a new document's address ("" when it can)."""
    if slug in RESERVED_SLUGS:
        return f"“{slug}” is reserved for a page of the application; choose another address."
    taken = Document.objects.filter(slug=slug).exclude(pk=getattr(but, "pk", None)).first()
    if taken is not None:
        return (
            f"The address “{slug}” is already used by “{taken.title}”. "
            "Choose another short title or address."
        )
    return ""


def _apply(document: Document, details: dict) -> None:
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"Not a document detail: {', '.join(sorted(unknown))}")
    for name, value in details.items():
        setattr(document, name, value)


@transaction.atomic
def create_document(
    *,
    by,
    slug: str = "",
    co_leads: Iterable[Delegation] = (),
    first_section: str = "",
    **details,
) -> Document:
    """Create a document from ``details`` (names in DETAIL_FIELDS), as ``by``.

    ``slug`` defaults to one derived from the short title (or title). Refused
    (PermissionDenied) unless ``by`` is the secretariat; (ValidationError, keyed
    by field) for a taken or reserved address, an empty title and whatever the
    model's own rules refuse (first number 1–9999, a label term). With
    ``first_section`` the document starts with one section of that title.
    History: "Document created by <name>." on the document (and its co-leads).
    """
    permissions.refuse_if(permissions.why_cannot_create_document(by))
    document = Document()
    _apply(document, details)
    document.slug = slug or slugify(document.short_title or document.title)[:100]
    if not document.slug:
        raise ValidationError({"slug": "Give the document an address made of letters or digits."})
    refusal = slug_refusal(document.slug)
    if refusal:
        raise ValidationError({"slug": refusal})
    document.full_clean()
    reason = f"Document created by {person(by).name}."
    stamp(document, by=by, reason=reason)
    document.save()
    leads = list(co_leads)
    if leads:
        stamp(document, by=by, reason=reason)  # the co-leads' history row says the same
        document.co_leads.set(leads)
    if first_section.strip():
        create_section(document, by=by, title=first_section.strip(), reason=reason)
    return document


@transaction.atomic
def update_document_details(
    document: Document | int,
    *,
    by,
    seen_revision: int | None,
    co_leads: Iterable[Delegation] | None = None,
    reason: str = "",
    **details,
) -> Document:
    """Save a document's details (names in DETAIL_FIELDS) from a form that showed
    ``seen_revision``.

    Refused (PermissionDenied) unless ``by`` may edit the details
    (why_cannot_edit_document_details: the secretariat, before submission);
    StaleRevision if someone saved the details since the form was shown;
    ValidationError (keyed by field) for what the model refuses. Changing the
    label term or first number relabels every page and export at once.

    Numbering rule: switching to *keep numbers* gives every practice its present
    number to keep (drafting.actions.ordering.freeze_numbers), as does a new first
    number under that rule, in the same recorded change. Switching back to
    *renumber continuously* simply switches: the numbers shown become continuous at
    once (what Renumber now would do), and the kept labels are set afresh if the
    document ever returns to keep numbers.
    """
    current = lock_document(document)
    permissions.refuse_if(permissions.why_cannot_edit_document_details(by, current))
    refuse_if_stale(
        current,
        seen_revision,
        label=f"The details of “{current}”",
        undone="nothing was saved",
    )
    before = {name: getattr(current, name) for name in DETAIL_FIELDS}
    _apply(current, details)
    current.full_clean()
    leads = None if co_leads is None else set(co_leads)
    if leads == set(current.co_leads.all()):
        leads = None
    if leads is None and all(getattr(current, n) == v for n, v in before.items()):
        return current  # a second click, or a form saved unchanged: nothing to record
    current.revision += 1
    why = f"Document details edited. {reason.strip()}".strip()
    keep = current.numbering == Document.Numbering.KEEP
    if keep and (
        before["numbering"] != current.numbering or before["first_number"] != current.first_number
    ):
        freeze_numbers(current, by=by, reason=f"{why} Numbers kept from now on.")
    stamp(current, by=by, reason=why)
    current.save()
    if leads is not None:
        stamp(current, by=by, reason=why)
        current.co_leads.set(list(leads))
    return current


@transaction.atomic
def renumber_now(document: Document | int, *, by, seen: str | None, reason: str = "") -> Document:
    """Renumber now: give every practice of a keep-numbers document its continuous number.

    "7 bis" and the practices after it become 8, 9, …; gaps left by deletions
    close. One recorded change: one row in the document's history ("Renumbered
    Good Practices 7 bis–12 as 8–14.") and, with the same reason and author, a row
    for each practice whose label changes. Locks the document, then its practices.
    Refused (PermissionDenied) per permissions.why_cannot_renumber (the
    secretariat's, never on an adopted or submitted text); (ValidationError) when
    the document renumbers continuously anyway or nothing would change;
    StaleRevision when ``seen`` (reads.renumber_plan's fingerprint, from the
    confirmation page) no longer matches: a practice was added, moved or
    renumbered since the page was shown. ``seen`` None: a script, nothing to compare.
    """
    current = lock_document(document)
    permissions.refuse_if(permissions.why_cannot_renumber(by, current))
    if current.numbering != Document.Numbering.KEEP:
        raise ValidationError(
            "This document renumbers its practices continuously already: there is nothing "
            "to renumber."
        )
    plan = renumber_plan(current)
    if seen is not None and seen != plan.seen:
        raise StaleRevision(
            current,
            "Practices were added, moved or renumbered since you opened this page; nothing was "
            f"renumbered. Look at the numbers again: {plan.sentence or 'nothing to renumber now.'}",
        )
    if not plan.changes:
        raise ValidationError("Every practice already has its continuous number.")
    span = numbering.range_sentence(
        current.label_term, [old for old, _ in plan.changes], [n for _, n in plan.changes]
    )
    why = f"Renumbered {span}. {reason.strip()}".strip()
    freeze_numbers(current, by=by, reason=why)
    current.revision += 1
    stamp(current, by=by, reason=why)
    current.save()
    return current
