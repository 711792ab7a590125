"""Round trip: a document exported to DOCX or Markdown and imported again keeps its text.

Checked on the demo document (sections, leads, bodies with their footnotes, the
introduction) and on every fixture draft (imported, exported to DOCX, imported
again: the same sections, leads, bodies, sub-items and footnotes).
"""

from __future__ import annotations

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


def _shown(markdown: str) -> str:
    """The text a reader sees (footnotes numbered 1.. by the renderer, so labels drop out)."""
    return re.sub(r"\s+", " ", text.plain(markdown)).strip()


def _stored(document: Document) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (s.title, [(p.heading, _shown(p.body)) for p in s.practices.order_by("position")])
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
        (s.title, [(p.heading, _shown(_as_exported(p.body, p.reservations))) for p in s.practices])
        for s in build(document).sections
    ]


def _planned(found: plan.Plan) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(s.title, [(p.heading, _shown(p.body)) for p in s.practices]) for s in found.sections]


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
    assert (
        again.structure["footnotes"]["total"]
        == plan.make_plan(source).structure["footnotes"]["total"]
    )
