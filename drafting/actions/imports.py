"""Importing a Word or Markdown draft: one transaction, one recorded change.

``import_document`` writes a plan (drafting.imports.plan) as a new document:
its sections and practices through the section and practice actions, Word
comments through the comment action, and each author's tracked changes as
amendments on behalf of the delegation the secretariat mapped that author to.
Every history row it writes carries the same reason, "Imported from
vessen.docx by Amal Haddad", so the import reads as one change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from drafting import permissions
from drafting.actions.amendments import _clean_text
from drafting.actions.base import lock_document
from drafting.actions.comments import add_comment
from drafting.actions.practices import create_practice
from drafting.actions.sections import create_section
from drafting.history import planner, stamp
from drafting.history.record import person
from drafting.imports.plan import Plan
from drafting.models import Amendment, Delegation, Document, Practice


@dataclass
class ImportResult:
    """What an import wrote."""

    document: Document
    sections: int
    practices: int
    amendments: int
    comments: int
    reason: str


def _free_slug(base: str) -> str:
    base = slugify(base)[:90] or "imported-document"
    slug, n = base, 2
    while Document.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _short_title(title: str) -> str:
    return title if len(title) <= 120 else title[:119].rsplit(" ", 1)[0] + "…"


@transaction.atomic
def import_document(
    plan: Plan,
    *,
    by,
    into: Document | int | None = None,
    forum: str = "",
    slug: str = "",
    title: str = "",
    delegations: Mapping[str, Delegation | None] | None = None,
) -> ImportResult:
    """Write ``plan`` as a new document (or into the empty document ``into``), as ``by``.

    ``delegations`` maps each Word author to the delegation their tracked
    changes and comments are attributed to; an author mapped to None (or not
    mapped) has their amendments left out and their comments kept as the
    importer's with the author's name. Refused (PermissionDenied) unless ``by``
    is the secretariat; (ValidationError) when no practice was found, when
    ``into`` already has text (importing a revised copy is not available yet), or
    when a practice's text breaks the text format's limits. Nothing is written
    when it refuses.
    """
    permissions.refuse_if(permissions.why_cannot_import_document(by))
    if not plan.practice_count:
        raise ValidationError(
            f"No practice was found in {plan.source}, so nothing was imported. "
            + " ".join(plan.warnings)
        )
    delegations = delegations or {}
    reason = f"Imported from {plan.source} by {person(by).name}."
    if into is not None:
        document = lock_document(into)
        permissions.refuse_if(permissions.why_cannot_add_section(by, document))
        if document.sections.exists():
            raise ValidationError(
                f"“{document}” already has sections. Importing a revised copy into a document "
                "with text is not available yet; import it as a new document instead."
            )
    else:
        title = (title or plan.title or plan.source).strip()
        document = Document(
            title=title[:300],
            short_title=_short_title(title),
            slug=slug or _free_slug(title),
            forum=forum or "—",
            pretitle=(plan.pretitle or "")[:300],
            label_term=plan.label_term[:60],
            first_number=plan.first_number,
            numbering=plan.numbering,
        )
    if plan.introduction and not document.introduction:
        document.introduction = plan.introduction
    with _naming("The document's details (title, slug, introduction)"):
        document.full_clean()
    stamp(document, by=by, reason=reason)
    document.save()

    practices: dict[str, Practice] = {}
    n_sections = n_comments = 0
    created = []
    for planned in plan.sections:
        section = create_section(
            document,
            by=by,
            title=planned.title[:300],
            introduction=planned.introduction,
            reason=reason,
        )
        n_sections += 1
        created.append(section)
        last = None
        for p in planned.practices:
            with _naming(p.label):
                _clean_text(p.heading, p.body)  # the same limits as an amendment or an edit
                last = create_practice(
                    section,
                    by=by,
                    heading=p.heading,
                    body=p.body,
                    after=last,
                    reason=reason,
                    label=p.kept,  # "7 bis" stays "7 bis" in a keep-numbers document
                )
            practices[p.label] = last
            for comment in p.comments:
                add_comment(section, by=by, practice=last, body=_comment_text(comment, delegations))
                n_comments += 1

    n_amendments = 0
    first_section = created[0] if created else None
    for planned in plan.amendments:
        delegation = delegations.get(planned.author)
        anchor = practices.get(planned.after or "") if planned.kind == "new" else None
        target = anchor if planned.kind == "new" else practices.get(planned.label)
        if delegation is None or (planned.kind != "new" and target is None):
            continue  # an unmapped author, or a practice the base text does not have
        amendment = Amendment(
            kind=planned.kind,
            section=target.section if target is not None else first_section,
            practice=target,
            base_revision=target.revision if planned.kind != "new" else None,
            rationale=f"Tracked change by {planned.author} in {plan.source}.",
            delegation=delegation,
            proposed_by=by,
        )
        with _naming(f"{planned.author}'s amendment to {planned.label}"):
            if planned.kind != "delete":
                amendment.proposed_heading, amendment.proposed_body = _clean_text(
                    planned.heading, planned.body
                )
            amendment.full_clean()
        stamp(amendment, by=by, reason=reason)
        amendment.save()
        n_amendments += 1
    # Hundreds of history rows at once: give the planner statistics as soon as they are
    # visible, rather than waiting for autovacuum (issue 13, plans that cannot collapse).
    transaction.on_commit(planner.analyze)
    return ImportResult(
        document=document,
        sections=n_sections,
        practices=len(practices),
        amendments=n_amendments,
        comments=n_comments,
        reason=reason,
    )


@contextmanager
def _naming(what: str) -> Iterator[None]:
    """Say which part of the file a refusal is about; the whole import is undone."""
    try:
        yield
    except ValidationError as exc:
        raise ValidationError(
            f"{what}: {' '.join(exc.messages)} Nothing was imported; correct the file and "
            "import it again."
        ) from exc


def _comment_text(comment: dict, delegations: Mapping[str, Delegation | None]) -> str:
    author = comment.get("author") or "an unnamed author"
    delegation = delegations.get(author)
    who = f"{author} ({delegation.name})" if delegation is not None else author
    return f"Word comment by {who}: {comment.get('text', '')}"
