"""The section page: its practices numbered through the document, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from drafting import numbering
from drafting.models import (
    Practice,
    Section,
)
from drafting.reads.documents import NumberedPractice


@dataclass
class SectionPage:
    section: Section
    practices: list[NumberedPractice]
    sections: list[Section]

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
    """A section's practices with their document-wide numbers; three queries whatever the size."""
    sections = list(
        Section.objects.filter(document=section.document_id)
        .select_related("approved_by")
        .order_by("position", "id")
    )
    here = next(s for s in sections if s.pk == section.pk)
    earlier = [s.pk for s in sections[: sections.index(here)]]
    first_number = (
        Practice.objects.filter(section_id__in=earlier).count() + section.document.first_number
    )
    practices = list(Practice.objects.filter(section=section).order_by("position", "id"))
    document = section.document
    numbered = [
        NumberedPractice(p, n)
        for p, n in numbering.numbers_in_order(document.numbering, first_number, practices)
    ]
    return SectionPage(section=here, practices=numbered, sections=sections)
