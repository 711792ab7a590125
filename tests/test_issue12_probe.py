"""Issue 12 probed as a new user would: defects found by attacking import, round trip and labels.

Each test here failed before the fix committed with it, except those whose docstring says
"Held" (attacks the application withstood, kept as regression tests).
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from drafting import text
from drafting.actions.imports import import_document
from drafting.export import build, render
from drafting.imports import plan, reader
from drafting.imports.revision import compare
from drafting.models import Practice
from tests.conftest import login, make_user

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


TABLE_DRAFT = """# A Title

## I. Section

### Good Practice 1

**Lead sentence.**

Body before the table.

| Name | Value |
|---|---|
| a \\| b | c[^1] |
| **bold** cell | *it* d |

[^1]: Note inside a table cell.
"""


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_a_footnote_and_formatting_in_a_table_cell_are_kept(fmt, secretariat):
    """They were dropped: the cell kept "c", the note's text was lost with no warning."""
    data = TABLE_DRAFT.encode()
    if fmt == "docx":  # the same draft as Word writes it: a real table, a real footnote
        first = import_document(
            plan.make_plan(reader.read("t.md", data)), by=secretariat, forum="F"
        ).document
        data = render(build(first), "docx").content
    found = plan.make_plan(reader.read(f"t.{fmt}", data))
    body = found.sections[0].practices[0].body
    assert "| a \\| b | c[^1] |" in body
    assert "| **bold** cell | *it* d |" in body
    assert "[^1]: Note inside a table cell." in body
    assert found.structure["footnotes"]["in_bodies"] == 1
    # Word's bold header row is the header's style, not bold text: no difference on return.
    document = import_document(found, by=secretariat, forum="F").document
    again = plan.make_plan(reader.read("again.docx", render(build(document), "docx").content))
    assert compare(again, document).counts()["changed"] == 0


def test_the_preview_shows_a_lead_footnote_as_a_note_numbered_through_the_draft(
    client, secretariat
):
    """The preview printed the stored lead as it is, "…security messages.[^7]"."""
    name = "tarrow-schools-extract.md"
    login(client, secretariat)
    upload = SimpleUploadedFile(name, (FIXTURES / name).read_bytes())
    response = client.post(reverse("drafting:import-start"), {"file": upload})
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "[^" not in page.text
    # The introduction's note is 1, Good Practice 5's lead note 2 (as the document will show).
    lead = page.text.split("security messages.", 1)[1].split("</strong>", 1)[0]
    assert 'class="footnote-ref"' in lead and "[2]" in lead
    assert page.text.count('id="n0-0-fnref1"') == 1  # anchors unique on the page


def test_a_revised_copy_redlines_a_changed_lead_with_its_footnote_as_a_note(client, secretariat):
    """The revised-draft preview's lead redline showed the raw "[^1]" code."""
    document = _imported("tarrow-schools-extract.md", secretariat)
    d = docx.Document(io.BytesIO(render(build(document), "docx").content))
    lead = next(p for p in d.paragraphs if p.text.startswith("Treat schools as partners"))
    run = next(r for r in lead.runs if "local prevention" in r.text)
    run.text = run.text.replace("local prevention", "local safeguarding")
    out = io.BytesIO()
    d.save(out)
    login(client, secretariat)
    url = reverse("drafting:document-import", args=[document.slug])
    response = client.post(url, {"file": SimpleUploadedFile("revised.docx", out.getvalue())})
    page = client.get(response["Location"])
    revision = page.context["revision"]
    assert [(d.kind, d.label) for d in revision.changes] == [("changed", "Good Practice 5")]
    assert "<del>prevention</del><ins>safeguarding</ins>" in page.text
    assert "[^" not in page.text
    assert 'class="footnote-ref">[1]</sup>' in str(revision.changes[0].heading_redline)


def _draft(labels: list[str]) -> bytes:
    out = "# A Title\n\n## I. Section\n\n"
    for label in labels:
        out += f"### Good Practice {label}\n\n**Lead {label}.**\n\nBody {label}.\n\n"
    return out.encode()


def _labels(document) -> list[tuple[str, str]]:
    return [(p.label, p.heading) for s in build(document).sections for p in s.practices]


def test_a_bis_label_twice_under_keep_numbers_does_not_shift_the_labels_after_it(secretariat):
    """The second "7 bis" took 8, the file's 8 then took 9: every later reference moved."""
    found = plan.make_plan(reader.read("k.md", _draft(["7", "7 bis", "7 bis", "8", "9"])))
    assert "imported Good Practice 7 bis as Good Practice 7 ter." in " ".join(found.warnings)
    document = import_document(found, by=secretariat, forum="F").document
    assert _labels(document) == [
        ("Good Practice 7", "Lead 7."),
        ("Good Practice 7 bis", "Lead 7 bis."),
        ("Good Practice 7 ter", "Lead 7 bis."),
        ("Good Practice 8", "Lead 8."),
        ("Good Practice 9", "Lead 9."),
    ]


def test_labels_the_continuous_rule_changes_are_named_in_the_preview(secretariat):
    """A label twice in a continuous draft silently moved every later number by one."""
    found = plan.make_plan(reader.read("c.md", _draft(["1", "2", "2", "3"])))
    assert (
        "imported Good Practice 2 as Good Practice 3, Good Practice 3 as Good Practice 4."
        in " ".join(found.warnings)
    )
    assert not any("not all in order" in w for w in plan.make_plan(
        reader.read("ok.md", _draft(["5", "6", "7"]))).warnings)  # fmt: skip


INDENTED_DRAFT = b"""# A Title

## I. Section

### Good Practice 1

**Lead sentence.**

(a) first;

  (i) nested one;

    (A) nested deeper;

(b) second.

Text with a note.[^1]

[^1]: A note with a table:

    | Year | Cases |
    |---|---|
    | 2024 | 12 |
"""


def test_text_indented_by_four_spaces_and_a_table_in_a_note_are_not_lost():
    """pandoc reads them as a code block and a table inside a note: both were dropped
    without a word ("(A) nested deeper" and the note's figures vanished)."""
    found = plan.make_plan(reader.read("indented.md", INDENTED_DRAFT))
    body = found.sections[0].practices[0].body
    assert "(A) nested deeper;" in body
    assert "Year | Cases" in body and "2024 | 12" in body


def _revised(document, old: str, new: str) -> bytes:
    d = docx.Document(io.BytesIO(render(build(document), "docx").content))
    run = next(r for p in d.paragraphs for r in p.runs if old in r.text)
    run.text = run.text.replace(old, new)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_two_officers_importing_revised_drafts_the_second_is_refused_with_nothing_written(
    client, secretariat
):
    """Held: the second confirmation is a 409 conflict and writes nothing."""
    document = _imported("tarrow-schools-extract.md", secretariat)
    other = make_user("secretariat")
    second = Client()
    url = reverse("drafting:document-import", args=[document.slug])
    pages = []
    for c, user, words in ((client, secretariat, "usually"), (second, other, "often")):
        login(c, user)
        data = _revised(document, "more useful than a checklist", f"{words} more useful")
        response = c.post(url, {"file": SimpleUploadedFile(f"{words}.docx", data)})
        pages.append((c, response["Location"], c.get(response["Location"])))
    choices = [
        {"seen": page.context["revision"].seen, "changes": "reject", "apply_as": "changes"}
        for _c, _url, page in pages
    ]
    (c1, url1, _), (c2, url2, _) = pages
    assert c1.post(url1, {**choices[0], "confirm": "1"}).status_code == 302
    history = Practice.history.count()
    refused = c2.post(url2, {**choices[1], "confirm": "1"})
    assert refused.status_code == 409
    assert "nothing was imported" in refused.text
    assert Practice.history.count() == history
    assert Practice.objects.filter(body__contains="usually more useful").count() == 1
    assert not Practice.objects.filter(body__contains="often more useful").exists()


def test_a_practice_moved_in_the_revised_file_is_named_not_silently_ignored(secretariat):
    """A move in Word read as "4 unchanged" and was dropped without a word."""
    document = _imported("tarrow-schools-extract.md", secretariat)
    d = docx.Document(io.BytesIO(render(build(document), "docx").content))
    paragraphs = d.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Good Practice 6")
    end = next(i for i, p in enumerate(paragraphs) if p.text == "Good Practice 7")
    body = paragraphs[0]._element.getparent()
    for p in paragraphs[start:end]:  # Good Practice 6 moved to the end
        body.remove(p._element)
        body.append(p._element)
    out = io.BytesIO()
    d.save(out)
    found = plan.make_plan(reader.read("moved.docx", out.getvalue()), label_term="Good Practice")
    revision = compare(found, document)
    assert revision.counts()["unchanged"] == 4
    assert "The file has Good Practice 6 in another place." in " ".join(revision.warnings)
    unmoved = compare(
        plan.make_plan(reader.read("same.docx", render(build(document), "docx").content)),
        document,
    )
    assert not any("another place" in w for w in unmoved.warnings)


def test_a_practice_without_a_lead_comes_back_from_its_export_as_one_practice(secretariat):
    """Its heading is its label, so the export prints the label twice (label, bold lead):
    the second was read as a new, empty practice of the same label."""
    draft = b"# A Title\n\n## I. Section\n\n### Good Practice 1\n\nOnly a body.\n\n"
    draft += b"### Good Practice 2\n\n**A lead.**\n\nBody two.\n"
    found = plan.make_plan(reader.read("nolead.md", draft))
    document = import_document(found, by=secretariat, forum="F").document
    for fmt in ("docx", "md"):
        again = plan.make_plan(reader.read(f"again.{fmt}", render(build(document), fmt).content))
        assert again.practice_count == 2
        assert compare(again, document).counts() == {
            "changed": 0, "new": 0, "missing": 0, "unchanged": 2
        }  # fmt: skip


def test_bullets_come_back_from_the_word_export_as_bullets(secretariat):
    """The Word export types "•" and a tab before each item: it came back as a paragraph
    "• a bullet", a difference in every practice with a list."""
    draft = b"# A Title\n\n## I. Section\n\n### Good Practice 1\n\n**A lead.**\n\n"
    draft += b"Before the list:\n\n- a bullet\n- another bullet\n\nAfter the list.\n"
    document = import_document(
        plan.make_plan(reader.read("bullets.md", draft)), by=secretariat, forum="F"
    ).document
    assert "- a bullet" in document.sections.get().practices.get().body
    again = plan.make_plan(reader.read("again.docx", render(build(document), "docx").content))
    assert "- a bullet\n\n- another bullet" in again.sections[0].practices[0].body
    assert compare(again, document).counts()["changed"] == 0


def test_a_tables_column_alignment_is_kept(secretariat):
    """The text format keeps "|:--|--:|"; the importer wrote every column as "---"."""
    draft = b"# A Title\n\n## I. Section\n\n### Good Practice 1\n\n**A lead.**\n\n"
    draft += b"| Year | Cases |\n|:--|--:|\n| 2024 | 12 |\n"
    found = plan.make_plan(reader.read("aligned.md", draft))
    assert "| :-- | --: |" in found.sections[0].practices[0].body
    document = import_document(found, by=secretariat, forum="F").document
    again = plan.make_plan(reader.read("again.docx", render(build(document), "docx").content))
    assert compare(again, document).counts()["changed"] == 0


def test_numbered_items_come_back_from_the_word_export_as_a_numbered_list(secretariat):
    """The Word export types "1." and a tab: they came back as text, "1\\. numbered one"."""
    draft = b"# A Title\n\n## I. Section\n\n### Good Practice 1\n\n**A lead.**\n\n"
    draft += b"1. numbered one\n2. numbered two\n\n1\\. A paragraph that starts with a number.\n"
    document = import_document(
        plan.make_plan(reader.read("numbered.md", draft)), by=secretariat, forum="F"
    ).document
    # Stored as "1\\." (was "\\1.", which prints its backslash): the page shows "1. A …".
    stored = document.sections.get().practices.get().body
    assert '<p dir="auto">1. A paragraph that starts with a number.</p>' in str(text.render(stored))
    again = plan.make_plan(reader.read("again.docx", render(build(document), "docx").content))
    body = again.sections[0].practices[0].body
    assert "1. numbered one\n\n2. numbered two" in body
    assert "\n\n1\\. A paragraph that starts with a number." in body  # alone: a paragraph
    assert compare(again, document).counts()["changed"] == 0
