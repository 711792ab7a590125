"""Issue 12 probed as a new user would: defects found by attacking import, round trip and labels.

Each test here failed before its fix (see the report in the commit message that added it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.actions.imports import import_document
from drafting.export import build, render
from drafting.imports import plan, reader
from drafting.imports.revision import compare

FIXTURES = Path(__file__).parent / "fixtures" / "import"
FILES = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".md", ".docx"))
FILES.remove("README.md")
pytestmark = pytest.mark.django_db


def _imported(name: str, secretariat, mode: str = "reject"):
    found = plan.make_plan(reader.read(name, (FIXTURES / name).read_bytes()), mode=mode)
    return import_document(found, by=secretariat, forum="F").document


@pytest.mark.parametrize("fmt", ["docx", "md"])
@pytest.mark.parametrize("name", FILES)
def test_every_fixture_exported_and_imported_into_itself_reads_as_unchanged(name, fmt, secretariat):
    """A lead's footnote numbered after the introduction's (Tarrow: 7) is no difference.

    Before the fix the body's notes were relabelled from 1 but the lead's were not, so
    Good Practice 5 of Tarrow read as changed ("[^7]" → "[^2]") and confirming would
    have stored a lead pointing at a note its body no longer had.
    """
    document = _imported(name, secretariat)
    exported = render(build(document), fmt).content
    again = plan.make_plan(reader.read(f"again.{fmt}", exported), label_term=document.label_term)
    revision = compare(again, document)
    assert [(d.kind, d.label, d.old_heading, d.heading) for d in revision.changes] == []
    assert revision.counts()["unchanged"] == again.practice_count
