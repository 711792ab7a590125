"""The document page and the home page: outline, practice numbers, working groups."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from drafting import permissions
from drafting.models import (
    Document,
    Practice,
    Section,
    WorkingGroup,
)


@dataclass
class NumberedPractice:
    practice: Practice
    number: int


@dataclass
class SectionOutline:
    section: Section
    practices: list[NumberedPractice]


def document_outline(document: Document) -> list[SectionOutline]:
    """Sections in order with their practices numbered continuously through the document.

    Two queries whatever the size of the document.
    """
    sections = (
        Section.objects.filter(document=document)
        .select_related("approved_by")
        .prefetch_related(
            Prefetch("practices", queryset=Practice.objects.order_by("position", "id"))
        )
        .order_by("position", "id")
    )
    outline, number = [], document.first_number - 1
    for section in sections:
        section.document = document  # labels ("Recommendation 3") ask it; no query
        numbered = []
        for practice in section.practices.all():
            number += 1
            numbered.append(NumberedPractice(practice, number))
        outline.append(SectionOutline(section, numbered))
    return outline


def practice_numbers(document: Document) -> dict[int, int]:
    """Practice id -> its current number in the document (from its first number). One query."""
    rows = (
        Practice.objects.filter(section__document=document)
        .order_by("section__position", "section_id", "position", "id")
        .values_list("id", "section__document__first_number")
    )
    return {pk: first + n for n, (pk, first) in enumerate(rows)}


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
