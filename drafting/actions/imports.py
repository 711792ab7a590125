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
from drafting.actions.amendments import (
    _clean_text,
    propose_change,
    propose_deletion,
    propose_practice,
)
from drafting.actions.base import lock_document
from drafting.actions.comments import add_comment
from drafting.actions.deletions import delete_practice
from drafting.actions.practices import create_practice, update_practice
from drafting.actions.sections import create_section
from drafting.history import planner, stamp
from drafting.history.record import person
from drafting.imports.plan import Plan
from drafting.imports.revision import CHANGED, NEW, UNCHANGED, Difference, Revision, fingerprint
from drafting.models import Amendment, Delegation, Document, Practice, Section


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
    ``into`` already has text (import_revision takes a revised copy), or
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
                f"“{document}” already has sections: import the file as a revised copy "
                "(“Import a revised draft…” on the document's page), which shows the "
                "differences first, or as a new document."
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
                _add_word_comment(
                    comment,
                    section,
                    last,
                    by=by,
                    delegations=delegations,
                    reason=reason,
                    where=p.label,
                )
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


def _add_word_comment(
    comment: dict,
    section: Section,
    practice: Practice | None,
    *,
    by,
    delegations: Mapping[str, Delegation | None],
    reason: str,
    where: str,
) -> None:
    """A Word comment as a comment speaking for its author's delegation (unmapped: ``by``'s)."""
    author = " ".join(str(comment.get("author") or "").split()) or "an unnamed author"
    with _naming(f"The Word comment by {author} on {where}"):
        add_comment(
            section,
            by=by,
            practice=practice,
            body=str(comment.get("text") or ""),
            word_author=author,
            on_behalf_of=delegations.get(author),
            reason=reason,
        )


# --- A revised copy of an existing document ---------------------------------------------------

AS_CHANGES, AS_AMENDMENTS, LEAVE = "changes", "amendments", "leave"
APPLY_CHOICES = (AS_CHANGES, AS_AMENDMENTS, LEAVE)


@dataclass
class RevisionResult:
    """What importing a revised copy wrote."""

    document: Document
    changes: int  # practices changed, added or deleted as recorded changes
    amendments: int  # amendments recorded (chosen for differences, and from tracked changes)
    comments: int
    left: int  # differences the secretariat chose to leave out
    reason: str


@transaction.atomic
def import_revision(
    revision: Revision,
    *,
    by,
    seen: str,
    apply_as: str = AS_CHANGES,
    delegation: Delegation | None = None,
    choices: Mapping[int, str] | None = None,
    delegations: Mapping[str, Delegation | None] | None = None,
) -> RevisionResult:
    """Apply a revised copy's differences (drafting.imports.revision.compare) to its document.

    Each changed, new or missing practice is applied as ``apply_as`` says, or as
    ``choices`` (difference index -> "changes", "amendments" or "leave") says
    for that practice: "changes" through update_practice / create_practice /
    delete_practice, "amendments" through propose_change / propose_practice /
    propose_deletion on behalf of ``delegation``. Tracked changes the plan turned
    into amendments are recorded for the delegation each author is mapped to in
    ``delegations`` (unmapped: left out); Word comments become comments on their
    practice, speaking for the author's delegation (unmapped: the secretariat's,
    naming the author). Every history row says "Imported from FILE by NAME".

    Refused, with nothing written: (PermissionDenied) unless ``by`` is the
    secretariat and may change every practice concerned; (ValidationError) when
    the document changed since the preview (``seen`` is not its fingerprint now),
    when amendments are chosen without a delegation, or when a text breaks the
    text format's limits; (StaleRevision) when a practice moved on meanwhile.
    """
    permissions.refuse_if(permissions.why_cannot_import_document(by))
    plan = revision.plan
    if not plan.practice_count:
        # Otherwise every practice of the document would read as "missing from the file".
        raise ValidationError(
            f"No practice was found in {plan.source}, so nothing was imported. "
            + " ".join(plan.warnings)
        )
    document = lock_document(revision.document)
    permissions.refuse_if(permissions.why_cannot_add_section(by, document))
    if fingerprint(document) != seen:
        raise ValidationError(
            f"“{document}” changed since this preview was made (someone edited, added, moved "
            "or deleted text, or changed a section's status); nothing was imported. The "
            "preview now compares the file with the current text: check it and confirm again."
        )
    choices = choices or {}
    delegations = delegations or {}
    reason = f"Imported from {plan.source} by {person(by).name}."
    rationale = f"From the revised draft {plan.source}, imported by {person(by).name}."
    chosen = {d.index: choices.get(d.index) or apply_as for d in revision.changes}
    if AS_AMENDMENTS in chosen.values() and delegation is None:
        raise ValidationError(
            "Choose the delegation the amendments are recorded for; nothing was imported."
        )
    placed: dict[int, Practice] = {
        d.index: d.practice for d in revision.differences if d.kind in (CHANGED, UNCHANGED)
    }

    def anchor(d: Difference) -> Practice | None:
        for i in d.after:
            found = placed.get(i)
            if found is not None and found.section_id == d.section.pk:
                return found
        return None

    n_changes = n_amendments = n_left = n_comments = 0
    for d in revision.changes:
        how = chosen[d.index]
        if how == LEAVE:
            n_left += 1
            continue
        with _naming(d.label):
            if how == AS_CHANGES:
                if d.kind == CHANGED:
                    _clean_text(d.heading, d.body)
                    update_practice(
                        d.practice,
                        by=by,
                        heading=d.heading,
                        body=d.body,
                        base_revision=d.practice.revision,
                        reason=reason,
                    )
                elif d.kind == NEW:
                    _clean_text(d.heading, d.body)
                    after = anchor(d)
                    placed[d.index] = create_practice(
                        d.section,
                        by=by,
                        heading=d.heading,
                        body=d.body,
                        after=after,
                        first=after is None,
                        reason=reason,
                    )
                else:
                    delete_practice(
                        d.practice, by=by, reason=reason, seen_revision=d.practice.revision
                    )
            else:
                proposal = {"by": by, "rationale": rationale, "delegation": delegation}
                if d.kind == CHANGED:
                    propose_change(
                        d.practice,
                        heading=d.heading,
                        body=d.body,
                        base_revision=d.practice.revision,
                        reason=reason,
                        **proposal,
                    )
                elif d.kind == NEW:
                    propose_practice(
                        d.section,
                        heading=d.heading,
                        body=d.body,
                        after=anchor(d),
                        reason=reason,
                        **proposal,
                    )
                else:
                    propose_deletion(
                        d.practice, base_revision=d.practice.revision, reason=reason, **proposal
                    )
            n_amendments += how == AS_AMENDMENTS
            n_changes += how == AS_CHANGES

    for d in revision.differences:
        if not d.comments or chosen.get(d.index) == LEAVE:
            continue
        practice = placed.get(d.index)  # a new practice left as an amendment: on the section
        for comment in d.comments:
            _add_word_comment(
                comment,
                d.section,
                practice,
                by=by,
                delegations=delegations,
                reason=reason,
                where=d.label,
            )
            n_comments += 1

    first_section = next(iter(d.section for d in revision.differences), None)
    for planned, target in revision.amendments:
        who = delegations.get(planned.author)
        if who is None:
            continue  # an unmapped author's changes are left out, as in a first import
        texts = {}
        if planned.kind != "delete":
            texts = {"heading": planned.heading, "body": planned.body}
        proposal = {
            "by": by,
            "rationale": f"Tracked change by {planned.author} in {plan.source}.",
            "delegation": who,
            "reason": reason,
        }
        with _naming(f"{planned.author}'s tracked change to {planned.label}"):
            if planned.kind == "change":
                if (planned.heading, planned.body) == (target.old_heading, target.old_body):
                    continue  # the author's change only undoes a difference from the document
                propose_change(
                    target.practice, base_revision=target.practice.revision, **texts, **proposal
                )
            elif planned.kind == "delete":
                propose_deletion(
                    target.practice, base_revision=target.practice.revision, **proposal
                )
            else:
                section = target.section if target is not None else first_section
                if section is None:
                    continue
                after = placed.get(target.index) if target is not None else None
                propose_practice(section, after=after, **texts, **proposal)
        n_amendments += 1
    transaction.on_commit(planner.analyze)
    return RevisionResult(
        document=document,
        changes=n_changes,
        amendments=n_amendments,
        comments=n_comments,
        left=n_left,
        reason=reason,
    )
