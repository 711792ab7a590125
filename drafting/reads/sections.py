"""The section page: its practices numbered through the document, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from drafting import numbering, text
from drafting.models import (
    Position,
    Practice,
    Section,
)
from drafting.reads.documents import NumberedPractice, first_notes_after


@dataclass
class SectionPage:
    section: Section
    practices: list[NumberedPractice]
    sections: list[Section]
    first_note: int = 1  # of the section's introduction (footnotes run through the document)

    @property
    def index(self) -> int:
        return next(i for i, s in enumerate(self.sections) if s.pk == self.section.pk)

    @property
    def previous_section(self) -> Section | None:
        return self.sections[self.index - 1] if self.index > 0 else None

    @property
    def next_section(self) -> Section | None:
        i = self.index + 1
        return self.sections[i] if i < len(self.sections) else None


def section_page(section: Section) -> SectionPage:
    """A section's practices with their document-wide numbers and footnote numbers;
    three queries whatever the size.

    The practices of the earlier sections are read with this section's (one query),
    with their texts, to count their footnotes, and with the number of their
    reservations on the record, which are printed as their last notes (as the
    document page and the exports number them).
    """
    sections = list(
        Section.objects.filter(document=section.document_id)
        .select_related("approved_by")
        .order_by("position", "id")
    )
    here = next(s for s in sections if s.pk == section.pk)
    earlier = [s.pk for s in sections[: sections.index(here)]]
    document = section.document
    on_record = Q(positions__stance=Position.Stance.RESERVATION, positions__for_the_record=True)
    rows = list(
        Practice.objects.filter(section_id__in=[*earlier, section.pk])
        .annotate(reserved=Count("positions", filter=on_record))
        .order_by("position", "id")
    )
    before = [p for p in rows if p.section_id != section.pk]
    practices = [p for p in rows if p.section_id == section.pk]
    reserved = {p.pk: p.reserved for p in rows}
    first_number = len(before) + document.first_number
    note = first_notes_after(document, sections[: sections.index(here)], before, reserved)
    intro_note = note
    note += text.footnote_count(here.introduction)
    numbered = []
    for p, n in numbering.numbers_in_order(document.numbering, first_number, practices):
        numbered.append(NumberedPractice(p, n, note))
        note += text.footnote_count(p.body, p.heading) + p.reserved
    return SectionPage(section=here, practices=numbered, sections=sections, first_note=intro_note)
