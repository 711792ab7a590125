"""The document page and the home page: outline, practice numbers, working groups."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from drafting import numbering, permissions, text
from drafting.models import (
    Document,
    Practice,
    Section,
    WorkingGroup,
)


@dataclass
class NumberedPractice:
    practice: Practice
    number: int | str  # "7 bis" under keep numbers (drafting.numbering)
    # The number of its first footnote: a document numbers footnotes through the whole text.
    first_note: int = 1


@dataclass
class SectionOutline:
    section: Section
    practices: list[NumberedPractice]
    first_note: int = 1  # of the section's introduction


def first_notes_after(
    document: Document,
    sections: list[Section],
    practices: list[Practice],
    reserved: Mapping[int, int] | None = None,
) -> int:
    """The number the next footnote takes after the document's introduction, ``sections``'
    introductions and ``practices`` (leads, bodies and ``reserved``: practice id -> its
    reservations on the record, printed as its last notes). No query: the texts are loaded."""
    reserved = reserved or {}
    count = text.footnote_count(document.introduction)
    count += sum(text.footnote_count(s.introduction) for s in sections)
    count += sum(text.footnote_count(p.body, p.heading) + reserved.get(p.pk, 0) for p in practices)
    return 1 + count


def document_outline(
    document: Document, reservations: Mapping[int, list] | None = None
) -> list[SectionOutline]:
    """Sections in order with their practices numbered continuously through the document.

    Footnotes are numbered too (``first_note``); ``reservations`` (practice id -> its
    reservations on the record, reads.reservations_on_record) count as each practice's
    last notes, as the exports print them. Two queries whatever the size of the document.

    The practices are read in one plain query and grouped here rather than through
    ``prefetch_related``, whose bookkeeping cost more than the query on a 400-practice
    page (issue 13); each practice's ``section`` is its section row, as a prefetch
    would have set it.
    """
    sections = list(
        Section.objects.filter(document=document)
        .select_related("approved_by")
        .order_by("position", "id")
    )
    by_section: dict[int, list[Practice]] = {section.pk: [] for section in sections}
    for practice in Practice.objects.filter(section__document=document).order_by("position", "id"):
        by_section[practice.section_id].append(practice)
    cache_section = Practice.section.field.set_cached_value
    in_order = [p for section in sections for p in by_section[section.pk]]
    numbers = dict(numbering.numbers_in_order(document.numbering, document.first_number, in_order))
    outline = []
    # Footnotes run on from the introduction through every section (text.footnote_count).
    note = 1 + text.footnote_count(document.introduction)
    for section in sections:
        section.document = document  # labels ("Recommendation 3") ask it; no query
        first_note = note
        note += text.footnote_count(section.introduction)
        numbered = []
        for practice in by_section[section.pk]:
            cache_section(practice, section)
            numbered.append(NumberedPractice(practice, numbers[practice], note))
            note += text.footnote_count(practice.body, practice.heading)
            note += len((reservations or {}).get(practice.pk, ()))
        outline.append(SectionOutline(section, numbered, first_note))
    return outline


def practice_numbers(document: Document | int) -> dict[int, int | str]:
    """Practice id -> its current number in the document (drafting.numbering). One query."""
    rows = list(
        Practice.objects.filter(section__document=document)
        .order_by("section__position", "section_id", "position", "id")
        .values_list(
            "id",
            "kept_number",
            "kept_suffix",
            "section__document__first_number",
            "section__document__numbering",
        )
    )
    if not rows:
        return {}
    first, rule = rows[0][3], rows[0][4]
    numbered = numbering.numbers_in_order(rule, first, rows, kept=lambda r: (r[1], r[2]))
    return {row[0]: n for row, n in numbered}


def working_groups_with_documents(user) -> list[WorkingGroup]:
    """Working groups (with co-chairs) and the documents in each that ``user`` may read
    (permissions.readable_documents); a fixed number of queries."""
    documents = permissions.readable_documents(user, Document.objects.all())
    documents = documents.prefetch_related("co_leads").order_by("title")
    return list(
        WorkingGroup.objects.prefetch_related(
            "co_chairs", Prefetch("documents", queryset=documents)
        ).order_by("name")
    )


def documents_without_group(user) -> list[Document]:
    """Documents outside any working group that ``user`` may read."""
    documents = permissions.readable_documents(user, Document.objects.all())
    return list(documents.filter(working_group__isnull=True).prefetch_related("co_leads"))


def submitted_on(document: Document) -> date | None:
    """The day (site time zone) ``document`` was last submitted for adoption, if it is submitted.

    Read from its history: the oldest row of the latest unbroken run of rows in the
    "submitted" status. None when the document is not submitted.
    """
    day = None
    rows = document.history.order_by("-history_id").values_list("status", "history_date")
    for status, when in rows.iterator(chunk_size=20):
        if status != Document.Status.SUBMITTED:
            break
        day = timezone.localdate(when)
    return day


@dataclass
class RenumberPlan:
    """What Renumber now would do to a document kept under the keep-numbers rule."""

    changes: list[tuple[int | str, int]]  # (label now, continuous number), in reading order
    sentence: str  # "This renumbers Good Practices 7 bis–12 as 8–14." ("" if nothing changes)
    seen: str  # numbering_fingerprint: the confirmation form carries it


def numbering_fingerprint(rows: list[tuple[int, int | None, int]]) -> str:
    """What a person confirming Renumber now was shown: each practice's id and label, in order.

    ``rows`` are (id, kept_number, kept_suffix). A renumber whose fingerprint no
    longer matches (a practice added, moved or renumbered since) is refused as stale.
    """
    seen = ";".join(f"{pk}:{number}:{suffix}" for pk, number, suffix in rows)
    return hashlib.sha256(seen.encode()).hexdigest()[:20]


def renumber_plan(document: Document) -> RenumberPlan:
    """The practices whose label Renumber now changes, and the sentence saying so. One query.

    From the first practice whose label is not its continuous number to the last
    one, as negotiators write it: "Good Practices 7 bis–12 as 8–14".
    """
    rows = list(
        Practice.objects.filter(section__document=document)
        .order_by("section__position", "section_id", "position", "id")
        .values_list("id", "kept_number", "kept_suffix")
    )
    now = numbering.numbers_in_order(
        document.numbering, document.first_number, rows, kept=lambda r: (r[1], r[2])
    )
    changes = [
        (label, n)
        for n, (row, label) in enumerate(now, start=document.first_number)
        if (row[1], row[2]) != (n, 0)
    ]
    sentence = ""
    if changes:
        span = numbering.range_sentence(
            document.label_term,
            [label for label, _ in changes],
            [n for _, n in changes],
        )
        sentence = f"This renumbers {span}."
    return RenumberPlan(changes, sentence, numbering_fingerprint(rows))
