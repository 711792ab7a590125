"""`manage.py import_document`: a dry run prints the structure; a real run is one change."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from drafting.models import Amendment, Comment, Document, Practice, Section
from tests.conftest import make_delegation, make_document

FIXTURES = Path(__file__).parent / "fixtures" / "import"
pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("import_document", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Document, Section, Practice, Amendment, Comment))


def test_dry_run_json_prints_the_structure_and_writes_nothing():
    before = _counts()
    found = json.loads(
        _run(FIXTURES / "vessen-community-policing.messy.docx", "--dry-run", "--json")
    )
    assert found["schema"] == "drafting-import-fixture/1"
    assert found["practice_count"] == 19
    assert [s["number"] for s in found["sections"]] == ["I", "II", "III", "IV"]
    assert "Delegation of Estmark" in found["authors"]
    assert isinstance(found["warnings"], list)
    assert _counts() == before


def test_import_writes_the_document_as_one_recorded_change(secretariat):
    out = _run(FIXTURES / "tarrow-schools-extract.md", "--as", secretariat.username)
    document = Document.objects.get()
    assert document.title.startswith("The Tarrow Good Practices")
    assert "Imported from tarrow-schools-extract.md by" in out
    section = document.sections.get()
    assert section.title == "B. Schools as Partners in Prevention"
    practices = list(Practice.objects.filter(section=section).order_by("position"))
    assert [p.heading for p in practices][0].startswith("Treat schools as partners")
    assert "[^7]:" in practices[0].body  # the lead's footnote, kept with its number
    assert "(a) name the member of staff" in practices[2].body
    assert "This extract reproduces Section B" in document.introduction
    reason = f"Imported from tarrow-schools-extract.md by {secretariat.get_full_name()}."
    for model in (Document, Section, Practice):
        rows = model.history.all()
        assert {r.history_change_reason for r in rows} == {reason}
        assert {r.history_user_id for r in rows} == {secretariat.pk}


def test_tracked_changes_become_amendments_of_the_mapped_delegations(secretariat):
    norvania = make_delegation(name="Norvania", code="NOR")
    veloria = make_delegation(name="Veloria", code="VEL")
    estmark = make_delegation(name="Estmark", code="EST")
    _run(
        FIXTURES / "vessen-community-policing.messy.docx",
        "--as",
        secretariat.username,
        "--changes",
        "amendments",
        "--map",
        "Delegation of Sundria=",  # left unmapped: its change is not imported
    )
    assert Practice.objects.count() == 19  # the text before the changes
    by = {(a.delegation.code, a.kind) for a in Amendment.objects.select_related("delegation")}
    assert by == {("NOR", "change"), ("EST", "change"), ("EST", "new"), ("VEL", "change")}
    new = Amendment.objects.get(kind="new")
    assert new.delegation == estmark
    assert new.proposed_heading == "Review this Memorandum together with community partners."
    assert new.practice.heading.startswith("Share experience across the Forum")  # after GP 19
    change = Amendment.objects.get(delegation=norvania)
    assert change.proposed_body != change.practice.body
    assert change.status == Amendment.Status.OPEN and change.proposed_by == secretariat
    comment = Comment.objects.get(practice__heading__startswith="Make community")
    # It speaks for Veloria (mapped by name), imported by the secretariat, naming its author.
    assert (comment.on_behalf_of, comment.word_author) == (veloria, "Delegation of Veloria")
    assert comment.author == secretariat and not comment.body.startswith("Word comment")


def test_a_deleted_practice_becomes_a_deletion_amendment(secretariat):
    make_delegation(name="Norvania", code="NOR")
    _run(FIXTURES / "vessen-addendum-returns.messy.docx", "--as", secretariat.username,
         "--changes", "amendments")  # fmt: skip
    expected = json.loads((FIXTURES / "vessen-addendum-returns.expected.json").read_text())
    deletion = Amendment.objects.get(kind="delete")
    assert deletion.practice.heading == expected["practices"][5]["lead"]  # Recommendation 6
    # Recommendation 7 is not "changed" by Norvania: its footnotes keep their numbers.
    last = Practice.objects.order_by("position").last()
    assert not Amendment.objects.filter(practice=last, delegation__code="NOR").exists()


def test_accepting_all_changes_imports_the_inserted_practice(secretariat):
    _run(FIXTURES / "vessen-community-policing.messy.docx", "--as", secretariat.username,
         "--changes", "accept")  # fmt: skip
    assert Practice.objects.count() == 20
    assert Amendment.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("notes.pdf", b"%PDF", "not a Word (.docx) or Markdown (.md) file"),
        ("broken.docx", b"PK\x03\x04garbage", "not a valid Word file"),
        ("prose.md", b"# A title\n\nOnly prose here.\n", "No practice was found"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    tmp_path, secretariat, name, data, says
):
    path = tmp_path / name
    path.write_bytes(data)
    before = _counts()
    with pytest.raises(CommandError, match=re.escape(says)):
        _run(path, "--as", secretariat.username)
    assert _counts() == before


def test_files_over_the_limit_are_refused(tmp_path, secretariat, settings):
    settings.DRAFTING_MAX_UPLOAD_BYTES = 100
    path = tmp_path / "big.md"
    path.write_bytes(b"x" * 101)
    with pytest.raises(CommandError, match="import limit"):
        _run(path, "--as", secretariat.username)


def test_only_the_secretariat_imports(expert):
    before = _counts()
    with pytest.raises(CommandError, match="Only the secretariat imports"):
        _run(FIXTURES / "tarrow-schools-extract.md", "--as", expert.username)
    assert _counts() == before


def test_a_write_refused_midway_leaves_nothing(secretariat, monkeypatch):
    # The whole import is one transaction: a failure on the last practice undoes the rest.
    from drafting.actions import imports

    real = imports.create_practice
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            from django.core.exceptions import ValidationError

            raise ValidationError("The text is too long.")
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "create_practice", failing)
    before = _counts()
    with pytest.raises(CommandError, match="too long"):
        _run(FIXTURES / "tarrow-schools-extract.md", "--as", secretariat.username)
    assert _counts() == before


def test_importing_into_a_document_with_text_asks_for_a_review_first(secretariat):
    """A document with text takes a revised copy (tests/test_import_into.py), once reviewed."""
    document = make_document(by=secretariat)
    before = _counts()
    with pytest.raises(CommandError, match="already has text.*--dry-run"):
        _run(FIXTURES / "tarrow-schools-extract.md", "--as", secretariat.username,
             "--into", document.slug)  # fmt: skip
    assert _counts() == before


def test_a_practice_breaking_the_text_limits_is_named_and_nothing_saved(tmp_path, secretariat):
    path = tmp_path / "long.md"
    lead = "word " * 300  # over the 1,000-character limit of a heading
    path.write_text(
        f"# T\n\n### Good Practice 1\n\n**Fine.**\n\n### Good Practice 2\n\n**{lead}.**\n"
    )
    before = _counts()
    with pytest.raises(CommandError, match="Good Practice 2: The heading is longer"):
        _run(path, "--as", secretariat.username)
    assert _counts() == before


def test_a_label_without_a_lead_is_imported_with_a_warning(tmp_path):
    path = tmp_path / "nolead.md"
    path.write_text("# T\n\n### Good Practice 1\n\nJust a body, no bold lead.\n")
    found = json.loads(_run(path, "--dry-run", "--json"))
    assert found["practices"][0]["paragraphs"] == 1
    assert any("no bold lead sentence" in w for w in found["warnings"])


def test_an_empty_file_says_no_practice_was_found(tmp_path, secretariat):
    path = tmp_path / "empty.md"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="No practice was found"):
        _run(path, "--as", secretariat.username)


def test_importing_into_an_empty_document_fills_it_and_keeps_its_details(secretariat):
    document = make_document(by=secretariat, sections=0, introduction="")
    _run(FIXTURES / "vessen-addendum-returns.md", "--as", secretariat.username,
         "--into", document.slug)  # fmt: skip
    document.refresh_from_db()
    assert document.title.startswith("Good Practices on Topic")  # its own details stay
    assert "Since the Vessen Memorandum was adopted" in document.introduction
    # The addendum's recommendations stand in no section: they get one named after them.
    assert [s.title for s in document.sections.all()] == ["Recommendations"]
    assert Practice.objects.filter(section__document=document).count() == 7
