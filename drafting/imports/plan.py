"""What an import will write, worked out before anything is saved (the preview shows it).

``make_plan`` turns a read file into the rows an import creates: the document's
title and introduction, each section with its introduction, each practice's
heading and body (Markdown, drafting.text's format), Word comments, and — when
tracked changes become amendments — each author's proposals, practice by
practice. ``drafting.actions.imports.import_document`` writes a plan; the
preview page and ``import_document --dry-run`` only show it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from drafting import brackets, numbering
from drafting.imports import changes, schema
from drafting.imports.reader import Source
from drafting.imports.structure import Imported, ImportedPractice, number_notes, recognise
from drafting.models import Delegation
from drafting.models.documents import FIRST_NUMBER_MAX

MODES = ("accept", "reject", "amendments")


@dataclass
class PlannedPractice:
    label: str
    heading: str
    body: str
    comments: list[dict] = field(default_factory=list)
    source: list[str] = field(default_factory=list)  # the file's paragraphs, as read
    kept_as: tuple[int, int] | None = None  # the label it takes when the file's is out of order

    @property
    def kept(self) -> tuple[int, int] | None:
        """(number, suffix) of its label: "Good Practice 7 bis" -> (7, 1); None if none."""
        if self.kept_as is not None:
            return self.kept_as
        found = _LABEL_NUMBER.search(self.label)
        return numbering.parse_label(found.group(0)) if found else None


# The number at the end of a label, with its suffix: "Good Practice 7 bis" -> "7 bis".
_LABEL_NUMBER = re.compile(
    rf"\d+(?:[\s\u00a0]+(?:{'|'.join(numbering.SUFFIXES)}))?$", re.IGNORECASE
)


@dataclass
class PlannedSection:
    title: str
    introduction: str
    practices: list[PlannedPractice] = field(default_factory=list)


@dataclass
class PlannedAmendment:
    """One author's tracked changes to one practice: a change, a new practice or a deletion."""

    author: str
    kind: str  # change, new, delete
    label: str  # the practice changed or deleted; for a new one, its own label
    after: str | None = None  # a new practice follows this label (None: first)
    heading: str = ""
    body: str = ""


@dataclass
class Plan:
    source: str
    mode: str
    structure: dict  # drafting-import-fixture/1 of the text that is written
    title: str
    pretitle: str | None
    introduction: str
    sections: list[PlannedSection]
    amendments: list[PlannedAmendment]
    authors: list[str]
    comment_authors: list[str]
    warnings: list[str]
    left_out: list[dict]
    # How the file labels and numbers its practices; a new document takes both.
    label_term: str = "Good Practice"
    first_number: int = 1
    # "keep" when the file labels insertions "7 bis": the new document keeps the labels.
    numbering: str = numbering.CONTINUOUS

    @property
    def practice_count(self) -> int:
        return sum(len(s.practices) for s in self.sections)


def _practice_text(
    doc: Imported, p: ImportedPractice, codes: Collection[str] = ()
) -> tuple[str, str]:
    lead_notes = schema.notes_in(p.lead)
    # The lead keeps its footnote references; the body defines the notes (drafting.text).
    heading = schema.lead_markdown(p.lead) or p.label
    body = schema.parts_markdown(p.parts, doc.notes, lead_notes=lead_notes)
    # Square brackets exported as "[should (US)]" come back as brackets (drafting.brackets).
    return brackets.from_printed(heading, codes), brackets.from_printed(body, codes)


def make_plan(
    source: Source,
    *,
    mode: str = "reject",
    label_term: str | None = None,
    delegation_codes: Collection[str] = (),
) -> Plan:
    """Work out everything an import of ``source`` writes, tracked changes handled per ``mode``.

    ``mode``: "accept" (Word's accept all), "reject" (reject all) or
    "amendments" (the text without the changes; each author's changes become
    that author's amendments). Raises ValueError for another mode.
    ``delegation_codes``: the forum's delegation codes; square brackets printed
    "[should (US)]" with those codes become brackets again (none: left as typed).
    """
    if mode not in MODES:
        raise ValueError(f"Tracked changes: choose one of {', '.join(MODES)}.")
    if not source.tracked:
        base_ast = source.ast  # nothing to accept or reject: skip two walks of a big file
    elif mode == "accept":
        base_ast = changes.accept_all(source.ast)
    else:
        base_ast = changes.reject_all(source.ast)
    doc = recognise(source, base_ast, label_term=label_term)
    warnings = list(doc.warnings)
    sections: list[PlannedSection] = []
    by_index: dict[int | None, PlannedSection] = {}
    loose = [p for p in doc.practices if p.section is None]
    if loose and doc.practices:
        # Every practice belongs to a section in this application: practices that stand
        # before any section go into one named after the label term.
        name = f"{doc.label_term}s"
        by_index[None] = PlannedSection(title=name, introduction="")
        sections.append(by_index[None])
        warnings.append(
            f"{len(loose)} practice(s) stand in no section; they are placed in a section "
            f"named “{name}”."
        )
    for i, s in enumerate(doc.sections):
        by_index[i] = PlannedSection(
            title=s.heading, introduction=schema.parts_markdown(s.intro, doc.notes)
        )
        sections.append(by_index[i])
    for p in doc.practices:
        heading, body = _practice_text(doc, p, delegation_codes)
        by_index[p.section].practices.append(
            PlannedPractice(p.label, heading, body, p.comments, p.source)
        )
    numbers = [p.number for p in doc.practices]
    first_number = numbers[0] if numbers and isinstance(numbers[0], int) else 1
    planned = [p for section in sections for p in section.practices]
    kept = [p.kept for p in planned]
    # Labels such as "7 bis" mean the file keeps its numbers: so does the new document.
    rule = numbering.CONTINUOUS
    if any(k is not None and k[1] for k in kept):
        rule = numbering.KEEP
        first_number = next((k[0] for k in kept if k is not None), first_number)
        warnings.append(
            "The file labels insertions “bis”, “ter”: the new document keeps its numbers "
            "(the secretariat can renumber them in one step later)."
        )
    elif first_number != 1:
        warnings.append(
            f"The file starts at {doc.practices[0].label}: a new document numbers its "
            f"practices from {first_number}, one after another."
        )
    warnings += _relabelled(planned, rule, first_number, doc.label_term or "Good Practice")
    authors = changes.authors(source.ast) if source.tracked else []
    amendments = []
    if mode == "amendments":
        amendments = _amendments(
            source,
            authors,
            label_term=doc.label_term,
            warnings=warnings,
            delegation_codes=delegation_codes,
        )
    comment_authors = list(dict.fromkeys(c["author"] for p in doc.practices for c in p.comments))
    return Plan(
        source=source.name,
        mode=mode,
        structure=schema.as_fixture(doc),
        title=doc.title,
        pretitle=doc.pretitle,
        introduction=schema.parts_markdown(doc.intro, doc.notes),
        sections=sections,
        amendments=amendments,
        authors=authors,
        comment_authors=comment_authors,
        warnings=warnings,
        left_out=doc.left_out,
        label_term=doc.label_term or "Good Practice",
        first_number=max(1, min(first_number, FIRST_NUMBER_MAX)),
        numbering=rule,
    )


def _relabelled(
    planned: list[PlannedPractice], rule: str, first_number: int, term: str
) -> list[str]:
    """Say which labels of the file the document cannot keep: a label twice or out of order.

    Under keep numbers such a practice takes the label of an insertion after the one
    before it ("7 bis" twice: the second is "7 ter"), so the labels after it stay as
    the file has them; under the continuous rule every practice is numbered in order.
    """
    changed: list[str] = []
    if rule == numbering.KEEP:
        previous: tuple[int, int] | None = None
        used: dict[int, set[int]] = {}
        for p in planned:
            kept = p.kept
            if kept is None:
                continue
            if previous is not None and kept <= previous:
                kept = numbering.label_for_insertion(
                    previous, first_number, lambda n: used.get(n, set())
                )
                p.kept_as = kept
                changed.append(f"{p.label} as {term} {numbering.kept_label(*kept)}")
            used.setdefault(kept[0], set()).add(kept[1])
            previous = kept
    else:
        for n, p in enumerate(planned, start=first_number):
            if p.kept is not None and p.kept != (n, 0):
                changed.append(f"{p.label} as {term} {n}")
    if not changed:
        return []
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return [
        "The file's labels are not all in order (a label twice, or a number out of "
        f"sequence): imported {shown}."
    ]


def _front(doc: Imported) -> tuple[str, list[str]]:
    return (
        schema.parts_markdown(doc.intro, doc.notes),
        [schema.parts_markdown(s.intro, doc.notes) + s.heading for s in doc.sections],
    )


def _amendments(
    source: Source,
    authors: list[str],
    *,
    label_term: str,
    warnings: list[str],
    delegation_codes: Collection[str] = (),
) -> list[PlannedAmendment]:
    """Each author's changes, applied alone to the text, compared practice by practice."""
    # Footnotes keep the numbers they have with every change in, on both sides.
    numbered = number_notes(source.ast)
    base = recognise(source, changes.reject_all(numbered), label_term=label_term)
    base_by_label = {p.label: _practice_text(base, p, delegation_codes) for p in base.practices}
    out: list[PlannedAmendment] = []
    for author in authors:
        theirs = recognise(source, changes.only(numbered, author), label_term=label_term)
        labels = [p.label for p in theirs.practices]
        previous: str | None = None
        for p in theirs.practices:
            heading, body = _practice_text(theirs, p, delegation_codes)
            if p.label not in base_by_label:
                out.append(PlannedAmendment(author, "new", p.label, previous, heading, body))
            elif (heading, body) != base_by_label[p.label]:
                out.append(PlannedAmendment(author, "change", p.label, None, heading, body))
            previous = p.label
        for label in base_by_label:
            if label not in labels:
                out.append(PlannedAmendment(author, "delete", label))
        if _front(theirs) != _front(base):
            warnings.append(
                f"{author} changed the introduction or a section heading; amendments are "
                "proposals to practices, so those changes are not imported (import with "
                "“accept” to keep them)."
            )
    return out


def forum_codes() -> set[str]:
    """The forum's delegation short codes (one query), for ``make_plan(delegation_codes=)``."""
    return set(Delegation.objects.values_list("code", flat=True))


def guess_delegations(authors: list[str]) -> dict[str, Delegation | None]:
    """Each Word author's delegation when its name or code is in the author's name.

    "Delegation of Norvania" -> the delegation named "Norvania"; an author
    matching none, or several, maps to None (the secretariat chooses). One query.
    """
    delegations = list(Delegation.objects.all())
    out: dict[str, Delegation | None] = {}
    for author in dict.fromkeys(authors):
        words = set(re.findall(r"\w+", author.lower()))
        found = [
            d
            for d in delegations
            if re.search(rf"\b{re.escape(d.name.lower())}\b", author.lower())
            or d.code.lower() in words
        ]
        out[author] = found[0] if len(found) == 1 else None
    return out
