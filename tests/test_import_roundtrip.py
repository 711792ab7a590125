"""Round trip: a document exported to DOCX or Markdown and imported again keeps its text.

Checked on the demo document (sections, leads, bodies with their footnotes, the
introduction) and on every fixture draft (imported, exported to DOCX, imported
again: the same sections, leads, bodies, tables, sub-items and footnotes, a lead's
footnote staying on the lead).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from drafting import text
from drafting.actions.imports import import_document
from drafting.export import build, render
from drafting.imports import plan, reader
from drafting.models import Document

FIXTURES = Path(__file__).parent / "fixtures" / "import"
STEMS = sorted(p.name[: -len(".expected.json")] for p in FIXTURES.glob("*.expected.json"))
pytestmark = pytest.mark.django_db


def _shown(markdown: str, lead: str | None = None) -> str:
    """The text a reader sees (footnotes numbered 1.. by the renderer, so labels drop out;
    with ``lead``, the body of a practice, whose lead's notes come first)."""
    rendered = html.unescape(re.sub(r"<[^>]+>", " ", str(text.render(markdown, lead=lead))))
    return re.sub(r"\s+", " ", rendered).strip()


def _lead(heading: str, body: str) -> str:
    """A lead as a reader sees it: its footnote marks numbered, not their labels."""
    shown = html.unescape(re.sub(r"<[^>]+>", "", str(text.render_lead(heading, body))))
    return re.sub(r"\s+", " ", shown).strip()


def _pair(heading: str, body: str) -> tuple[str, str]:
    return _lead(heading, body), _shown(body, heading)


def _stored(document: Document) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (s.title, [_pair(p.heading, p.body) for p in s.practices.order_by("position")])
        for s in document.sections.order_by("position")
    ]


def _as_exported(body: str, reservations: list[tuple[str, str]]) -> str:
    """A stored body with the reservations on the record the export adds as its last notes."""
    main, found, notes = body.partition("\n\n[^")
    refs = "".join(f"[^r{i}]" for i in range(len(reservations)))
    defs = "".join(f"\n\n[^r{i}]: {lead}{said}" for i, (lead, said) in enumerate(reservations))
    return main + refs + found + notes + defs


def _exported(document: Document) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the export holds: the stored texts, and reservations on the record as notes."""
    return [
        (s.title, [_pair(p.heading, _as_exported(p.body, p.reservations)) for p in s.practices])
        for s in build(document).sections
    ]


def _planned(found: plan.Plan) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(s.title, [_pair(p.heading, p.body) for p in s.practices]) for s in found.sections]


@pytest.mark.parametrize("fmt", ["docx", "md"])
def test_the_demo_document_exported_and_imported_keeps_its_text(fmt):
    call_command("seed_demo", "--quiet-logins")
    document = Document.objects.get()
    exported = render(build(document), fmt)
    found = plan.make_plan(
        reader.read(f"demo.{fmt}", exported.content), delegation_codes=plan.forum_codes()
    )
    assert found.title == document.title
    assert any(p.reservations for s in build(document).sections for p in s.practices)
    assert _planned(found) == _exported(document)
    assert _shown(found.introduction) == _shown(document.introduction)


@pytest.mark.parametrize("stem", STEMS)
def test_every_fixture_survives_import_export_import(stem, secretariat):
    source = reader.read(f"{stem}.md", (FIXTURES / f"{stem}.md").read_bytes())
    document = import_document(plan.make_plan(source), by=secretariat, forum="F").document
    exported = render(build(document), "docx")
    again = plan.make_plan(reader.read(f"{stem}.docx", exported.content))
    assert _planned(again) == _stored(document)
    first = plan.make_plan(source).structure
    assert again.structure["footnotes"]["total"] == first["footnotes"]["total"]
    # Tables and (a)/(i) sub-items come back with their cells, labels and levels.
    assert _shapes(again.structure) == _shapes(first)
    if stem == "vessen-community-policing":
        assert any(tables for _, tables in _shapes(first))
        assert any(item["level"] == 2 for items, _ in _shapes(first) for item in items)


def _shapes(structure: dict) -> list[tuple[list, list]]:
    return [(p["sub_items"], p["tables"]) for p in structure["practices"]]
