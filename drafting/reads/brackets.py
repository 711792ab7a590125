"""Open square brackets: the document-wide list, counts for the dashboard, and the condition
that keeps a bracketed practice under negotiation. Brackets live in the practice text
(drafting/brackets.py), so reading them costs no query beyond reading the practices."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from drafting import brackets
from drafting.models import Delegation, Document, Practice, Section
from drafting.reads.documents import document_outline


@dataclass(frozen=True)
class OpenBracket:
    """One open bracket of a practice, numbered from 1 within its field (as the forms count)."""

    field: str  # "heading" or "body"
    number: int
    bracket: brackets.Bracket

    @property
    def where(self) -> str:
        return brackets.FIELDS[self.field]


@dataclass
class PracticeBrackets:
    practice: Practice
    number: int
    open: list[OpenBracket]


@dataclass
class SectionBrackets:
    section: Section
    practices: list[PracticeBrackets] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(p.open) for p in self.practices)


@dataclass
class BracketList:
    document: Document
    sections: list[SectionBrackets]
    names: dict[str, str]  # delegation code -> name, for the attribution's full form

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)


def open_brackets_of(practice: Practice) -> list[OpenBracket]:
    """The open brackets of ``practice``'s lead sentence, then of its explanatory text."""
    return [
        OpenBracket(name, n, b)
        for name in brackets.FIELDS
        for n, b in enumerate(brackets.brackets(getattr(practice, name)), start=1)
    ]


def count_open(practice: Practice) -> int:
    """How many brackets are open in ``practice`` (no query)."""
    return brackets.count_open(practice.heading, practice.body)


def bracket_list(document: Document) -> BracketList:
    """Every open bracket of ``document`` by section, in document order; three queries."""
    sections = []
    for entry in document_outline(document):
        found = SectionBrackets(entry.section)
        for item in entry.practices:
            open_ = open_brackets_of(item.practice)
            if open_:
                found.practices.append(PracticeBrackets(item.practice, item.number, open_))
        sections.append(found)
    return BracketList(document, sections, delegation_names())


def delegation_names() -> dict[str, str]:
    """Delegation short code (upper case) -> name, to spell out an attribution; one query."""
    return {code.upper(): name for code, name in Delegation.objects.values_list("code", "name")}


def bracket_counts(document: Document) -> Counter:
    """Section id -> open brackets in its practices (sections without any are absent); one query.

    Only the practices' texts are read, not whole rows.
    """
    counts: Counter = Counter()
    rows = Practice.objects.filter(section__document=document).values_list(
        "section_id", "heading", "body"
    )
    for section_id, heading, body in rows:
        n = brackets.count_open(heading, body)
        if n:
            counts[section_id] += n
    return counts


def open_brackets(positions: list, practices: list[Practice]) -> dict[int, list[str]]:
    """A negotiation condition (reads.positions.NEGOTIATION_CONDITIONS): open brackets.

    Practice id -> ["2 open brackets."] for practices whose text has brackets. No query:
    the brackets are in the texts the caller already holds.
    """
    found: dict[int, list[str]] = {}
    for practice in practices:
        n = count_open(practice)
        if n:
            found[practice.pk] = [f"{n} open bracket{'s' if n != 1 else ''} in its text."]
    return found
