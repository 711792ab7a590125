"""The adoption packages page: a document's packages, newest first, in one query."""

from __future__ import annotations

from dataclasses import dataclass

from drafting.history import Author, person
from drafting.models import AdoptionPackage, Document


@dataclass(frozen=True)
class PackageRow:
    package: AdoptionPackage
    built_by: Author
    text_label: str  # "Text submitted for adoption (25 June 2018, 10:00)"


def packages_of(document: Document) -> list[PackageRow]:
    """Every package of ``document``, newest first: one query whatever their number.

    The manifest (which holds the whole record) and the ZIP are not read here.
    """
    rows = (
        AdoptionPackage.objects.filter(document=document)
        .defer("manifest")
        .select_related("built_by__profile__delegation")
        .order_by("-built_at", "-id")
    )
    return [PackageRow(p, person(p.built_by), (p.point or {}).get("label", "")) for p in rows]
