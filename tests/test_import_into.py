"""A marked-up copy comes back: a revised Word file imported into the document it came from.

The demo document is exported to Word, revised with python-docx as a delegation
would in Word (one practice's text changed, one practice added, one deleted, a
Word comment by a United States author), and imported into the document again:
the preview lists every practice as changed, new, missing or unchanged with its
redline; confirming applies the differences as recorded changes or as
amendments of a chosen delegation, and the Word comment speaks for the United
States.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from drafting.actions.imports import import_document
from drafting.actions.practices import update_practice
from drafting.export import build, render
from drafting.imports import plan, reader
from drafting.imports.revision import compare, local_notes, without_reservations
from drafting.models import Amendment, Comment, Delegation, Document, Practice
from tests.conftest import NOT_AGREED, login, make_delegation, make_document

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "import"
NAME = "rabat-washington-revised.docx"
CHANGED_WORDS = "know their neighbourhoods"
NEW_LEAD = "Evaluate prevention programmes independently."
NEW_BODY = "Independent evaluation shows which programmes work and which do harm."
COMMENT = "The United States asks to keep the word “independent” here."
COMMENT_AUTHOR = "J. Smith, United States"


def _demo() -> Document:
    call_command("seed_demo", "--quiet-logins")
    return Document.objects.get()


def _paragraph(d: docx.document.Document, text: str, style: str = "Heading 2") -> int:
    return next(i for i, p in enumerate(d.paragraphs) if p.style.name == style and p.text == text)


def revise(original: bytes) -> bytes:
    """The document's Word export as a delegation sends it back, revised in Word."""
    d = docx.Document(io.BytesIO(original))
    # Good Practice 2: a change to its body.
    body = d.paragraphs[_paragraph(d, "Good Practice 2") + 2]
    run = next(r for r in body.runs if "know their communities" in r.text)
    run.text = run.text.replace("know their communities", CHANGED_WORDS)
    # Good Practice 5: a Word comment on its lead, by an author of the United States.
    lead = d.paragraphs[_paragraph(d, "Good Practice 5") + 1]
    d.add_comment(lead.runs, text=COMMENT, author=COMMENT_AUTHOR, initials="JS")
    # A new practice at the end of "Prevention", labelled as negotiators do.
    detection = d.paragraphs[_paragraph(d, "Detection", "Heading 1")]
    detection.insert_paragraph_before("Good Practice 7 bis", style="Heading 2")
    detection.insert_paragraph_before("").add_run(NEW_LEAD).bold = True
    detection.insert_paragraph_before(NEW_BODY)
    # Good Practice 3: deleted (its label, lead and body).
    start = _paragraph(d, "Good Practice 3")
    for p in d.paragraphs[start : start + 3]:
        p._element.getparent().remove(p._element)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _practice(document: Document, number: int) -> Practice:
    practices = Practice.objects.filter(section__document=document).order_by(
        "section__position", "position"
    )
    return list(practices)[number - 1]


def _upload(client, document: Document, data: bytes, name: str = NAME):
    url = reverse("drafting:document-import", args=[document.slug])
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def _preview(client, document: Document, data: bytes, name: str = NAME) -> str:
    response = _upload(client, document, data, name)
    assert response.status_code == 302, response.content[:800]
    return response["Location"]


def _choices(page, **overrides) -> dict:
    form = page.context["form"]
    data = {
        "seen": page.context["revision"].seen,
        "changes": form.initial.get("changes", "reject"),
        "apply_as": "changes",
        "delegation": "",
    }
    for n in range(len(form.authors)):
        data[f"author_{n}"] = form.initial.get(f"author_{n}") or ""
    data.update(overrides)
    return data


def test_an_unrevised_export_reads_as_unchanged():
    """Continuous footnote numbers and printed reservations are not differences."""
    document = _demo()
    exported = render(build(document), "docx").content
    found = plan.make_plan(
        reader.read("same.docx", exported),
        label_term=document.label_term,
        delegation_codes=plan.forum_codes(),
    )
    revision = compare(found, document)
    assert revision.counts() == {"changed": 0, "new": 0, "missing": 0, "unchanged": 23}


def test_preview_shows_the_three_differences_with_redlines_and_saves_nothing(client, secretariat):
    document = _demo()
    history = Practice.history.count()
    login(client, secretariat)
    page = client.get(document.get_absolute_url())
    assert reverse("drafting:document-import", args=[document.slug]) in page.text
    url = _preview(client, document, revise(render(build(document), "docx").content))
    page = client.get(url)
    assert page.status_code == 200
    revision = page.context["revision"]
    assert revision.counts() == {"changed": 1, "new": 1, "missing": 1, "unchanged": 21}
    kinds = {d.label: d.kind for d in revision.changes}
    assert kinds == {"Good Practice 2": "changed", "Good Practice 7 bis": "new",
                     "Good Practice 3": "missing"}  # fmt: skip
    html = page.text
    assert "<del>communities</del>" in html and "<ins>neighbourhoods</ins>" in html
    assert f"<ins>{NEW_LEAD}</ins>" in html
    assert "Missing from the file (deleted)" in html
    # In the document's order: the missing practice where it stood, the new one after GP 7.
    at = html.index
    assert at(">Good Practice 2 <") < at("Missing from the file") < at(">Good Practice 4 <")
    assert at(">Good Practice 7 <") < at(">Good Practice 7 bis <") < at(">Good Practice 8 <")
    assert "21 unchanged" in html
    assert "J. Smith, United States" in html  # an author to map, guessed as the United States
    form = page.context["form"]
    us = Delegation.objects.get(code="US")
    assert form.initial[f"author_{form.authors.index(COMMENT_AUTHOR)}"] == us.pk
    assert Practice.history.count() == history and Amendment.objects.count() == 0


def test_apply_as_changes_records_one_change_per_practice_imported_from_the_file(
    client, secretariat
):
    document = _demo()
    second, third = _practice(document, 2), _practice(document, 3)
    login(client, secretariat)
    url = _preview(client, document, revise(render(build(document), "docx").content))
    page = client.get(url)
    response = client.post(url, _choices(page, confirm="1"))
    assert response.status_code == 302, response.content[:2000]
    assert response["Location"] == document.get_absolute_url()
    reason = f"Imported from {NAME} by {secretariat.get_full_name()}."
    rows = list(Practice.history.filter(history_change_reason=reason))
    assert sorted(r.history_type for r in rows) == ["+", "-", "~"]
    assert {r.history_user_id for r in rows} == {secretariat.pk}
    seen = second.revision
    second.refresh_from_db()
    assert CHANGED_WORDS in second.body and second.revision == seen + 1
    assert not Practice.objects.filter(pk=third.pk).exists()
    added = Practice.objects.get(heading=NEW_LEAD)
    assert added.body == NEW_BODY and added.section.title == "Prevention"
    assert _practice(document, 7) == added  # after Good Practice 7, at the end of Prevention
    # The Word comment speaks for the United States, imported by the secretariat.
    comment = Comment.objects.get(body=COMMENT)
    assert comment.on_behalf_of.code == "US" and comment.word_author == COMMENT_AUTHOR
    assert comment.author == secretariat and comment.practice.heading.startswith("Engage civil")
    section_page = client.get(reverse("drafting:section-detail", args=[comment.section_id]))
    assert (
        f"<strong>United States</strong> (from Word comment by {COMMENT_AUTHOR}, imported by "
        f"{secretariat.get_full_name()})" in section_page.text
    )
    # Confirming twice cannot import twice: the upload is gone.
    assert client.post(url, _choices(page, confirm="1")).status_code == 404


def test_apply_as_amendments_records_them_for_the_chosen_delegation(client, secretariat):
    document = _demo()
    us = Delegation.objects.get(code="US")
    open_before = set(Amendment.objects.values_list("pk", flat=True))
    history = Practice.history.count()
    second, third = _practice(document, 2), _practice(document, 3)
    login(client, secretariat)
    url = _preview(client, document, revise(render(build(document), "docx").content))
    page = client.get(url)
    # Without a delegation, nothing is written and the field says why.
    refused = client.post(url, _choices(page, apply_as="amendments", confirm="1"))
    assert refused.status_code == 422
    assert "Choose the delegation the amendments are recorded for." in refused.text
    response = client.post(url, _choices(page, apply_as="amendments", delegation=us.pk,
                                         confirm="1"))  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    assert Practice.history.count() == history  # the text is untouched
    made = Amendment.objects.exclude(pk__in=open_before).select_related("delegation")
    assert {(a.kind, a.delegation.code) for a in made} == {
        ("change", "US"),
        ("new", "US"),
        ("delete", "US"),
    }
    change = made.get(kind="change")
    assert change.practice == second and CHANGED_WORDS in change.proposed_body
    assert change.base_revision == second.revision and change.proposed_by == secretariat
    assert made.get(kind="delete").practice == third
    new = made.get(kind="new")
    assert (new.proposed_heading, new.proposed_body) == (NEW_LEAD, NEW_BODY)
    assert new.practice == _practice(document, 7)  # proposed after Good Practice 7
    reason = f"Imported from {NAME} by {secretariat.get_full_name()}."
    assert {r.history_change_reason for r in Amendment.history.filter(id__in=made)} == {reason}
    listing = client.get(reverse("drafting:amendment-list", args=[document.slug]))
    assert NEW_LEAD in listing.text and "United States" in listing.text


def test_per_practice_choices_mix_changes_amendments_and_leaving_out(client, secretariat):
    document = _demo()
    us = Delegation.objects.get(code="US")
    second, third = _practice(document, 2), _practice(document, 3)
    login(client, secretariat)
    url = _preview(client, document, revise(render(build(document), "docx").content))
    page = client.get(url)
    by_label = {d.label: d.index for d in page.context["revision"].changes}
    data = _choices(page, delegation=us.pk, confirm="1")
    data[f"practice_{by_label['Good Practice 2']}"] = "amendments"
    data[f"practice_{by_label['Good Practice 3']}"] = "leave"
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert Practice.objects.filter(pk=third.pk).exists()  # left out
    second.refresh_from_db()
    assert CHANGED_WORDS not in second.body
    assert Amendment.objects.filter(practice=second, delegation=us, status="open").exists()
    assert Practice.objects.filter(heading=NEW_LEAD).exists()  # the whole import's choice


def test_tracked_changes_in_a_revised_copy_become_amendments_of_their_authors(client, secretariat):
    """The same choice as a first import: the text without the changes, each author's
    changes as amendments of the delegation they are mapped to."""
    norvania = make_delegation(name="Norvania", code="NOR")
    estmark = make_delegation(name="Estmark", code="EST")
    name = "vessen-community-policing.messy.docx"
    data = (FIXTURES / name).read_bytes()
    first = plan.make_plan(reader.read(name, data), mode="reject")
    document = import_document(first, by=secretariat, forum="F").document
    login(client, secretariat)
    url = _preview(client, document, data, name=name)
    page = client.get(url)
    assert page.context["revision"].counts() == {
        "changed": 0, "new": 0, "missing": 0, "unchanged": 19
    }  # fmt: skip
    assert page.context["form"].initial["changes"] == "amendments"
    response = client.post(url, _choices(page, confirm="1"))
    assert response.status_code == 302, response.content[:2000]
    made = {(a.delegation.code, a.kind) for a in Amendment.objects.select_related("delegation")}
    assert made == {("NOR", "change"), ("EST", "change"), ("EST", "new")}
    assert Amendment.objects.filter(delegation=norvania).get().proposed_by == secretariat
    assert Amendment.objects.filter(delegation=estmark, kind="new").exists()


def test_a_stale_preview_is_refused_and_nothing_is_written(client, secretariat):
    document = _demo()
    login(client, secretariat)
    url = _preview(client, document, revise(render(build(document), "docx").content))
    page = client.get(url)
    # Another officer edits a practice the file does not even touch, after the preview.
    tenth = _practice(document, 10)
    update_practice(tenth, by=secretariat, heading=tenth.heading, body=tenth.body + " More.",
                    base_revision=tenth.revision, reason="Meanwhile.")  # fmt: skip
    history, amendments = Practice.history.count(), Amendment.objects.count()
    response = client.post(url, _choices(page, confirm="1"))
    assert response.status_code == 409
    assert "changed since this preview was made" in response.text
    assert "nothing was imported" in response.text
    assert (Practice.history.count(), Amendment.objects.count()) == (history, amendments)
    # The page now compares with the current text: confirming from it works.
    again = client.post(url, _choices(response, confirm="1"))
    assert again.status_code == 302


def test_experts_and_observers_cannot_import_into_a_document(client, expert, observer, document):
    for user in (expert, observer):
        login(client, user)
        response = client.get(reverse("drafting:document-import", args=[document.slug]))
        assert response.status_code == 403
        assert "Only the secretariat imports drafts" in response.text
        preview = reverse("drafting:document-import-preview", args=[document.slug, "x" * 16])
        assert client.post(preview, {"confirm": "1"}).status_code == 403
        page = client.get(document.get_absolute_url())
        assert reverse("drafting:document-import", args=[document.slug]) not in page.text


def test_anonymous_visitors_are_sent_to_log_in(client, document):
    response = client.get(reverse("drafting:document-import", args=[document.slug]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_unknown_document_or_upload_is_404(client, secretariat, document):
    login(client, secretariat)
    assert client.get(reverse("drafting:document-import", args=["nope"])).status_code == 404
    preview = reverse("drafting:document-import-preview", args=[document.slug, "x" * 16])
    assert client.get(preview).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("draft.pdf", b"%PDF-1.7", "not a Word (.docx) or Markdown (.md) file"),
        ("draft.docx", b"PK\x03\x04broken", "not a valid Word file"),
        ("draft.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "password-protected"),
    ],
)
def test_bad_files_are_refused_next_to_the_field(client, secretariat, document, name, data, says):
    login(client, secretariat)
    history = Practice.history.count()
    response = _upload(client, document, data, name)
    assert response.status_code == 422 and says in response.text
    assert Practice.history.count() == history


def test_a_file_without_practices_cannot_delete_everything(client, secretariat, document):
    login(client, secretariat)
    url = _preview(client, document, b"# A title\n\nJust prose.\n", name="prose.md")
    page = client.get(url)
    assert page.status_code == 422 and "No practice was found" in page.text
    count = Practice.objects.count()
    response = client.post(url, _choices(page, confirm="1"))
    assert response.status_code == 422 and "No practice was found" in response.text
    assert Practice.objects.count() == count


def test_an_approved_section_is_refused_with_the_reason(client, secretariat, document):
    from drafting.actions.sections import approve_section, request_review

    first = document.sections.order_by("position").first()
    request_review(first, by=secretariat)
    approve_section(first, by=secretariat, not_agreed_reason=NOT_AGREED)
    exported = render(build(document), "md").content.decode()
    assert "Body of 1.1." in exported
    login(client, secretariat)
    revised = exported.replace("Body of 1.1.", "Body of 1.1, revised.").encode()
    url = _preview(client, document, revised, name="revised.md")
    page = client.get(url)
    assert page.context["revision"].counts()["changed"] == 1
    assert "is approved; it must be reopened" in page.text  # said beside the practice
    history = Practice.history.count()
    response = client.post(url, _choices(page, confirm="1"))
    assert response.status_code == 403 and "is approved" in response.text
    assert Practice.history.count() == history
    # As an amendment it is not possible either, until the section is reopened.
    us = make_delegation(name="Utopia", code="UT")
    response = client.post(url, _choices(page, apply_as="amendments", delegation=us.pk,
                                         confirm="1"))  # fmt: skip
    assert response.status_code == 403 and Amendment.objects.count() == 0


def test_command_dry_run_json_prints_the_differences(capsys, secretariat, tmp_path):
    document = _demo()
    path = tmp_path / NAME
    path.write_bytes(revise(render(build(document), "docx").content))
    history = Practice.history.count()
    capsys.readouterr()  # the demo loader's own output
    call_command("import_document", str(path), "--into", document.slug, "--dry-run", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["document"] == document.slug
    assert out["counts"] == {"changed": 1, "new": 1, "missing": 1, "unchanged": 21}
    changed = next(d for d in out["differences"] if d["kind"] == "changed")
    assert changed["label"] == "Good Practice 2" and CHANGED_WORDS in changed["new"]["body"]
    assert Practice.history.count() == history
    # Without --dry-run, as amendments of the United States.
    as_us = ["--as", secretariat.username, "--apply-as", "amendments", "--delegation", "US"]
    call_command("import_document", str(path), "--into", document.slug, *as_us)
    made = Amendment.objects.filter(rationale__startswith=f"From the revised draft {NAME}")
    assert sorted(made.values_list("kind", flat=True)) == ["change", "delete", "new"]


@pytest.mark.parametrize("practices", [2, 30])
def test_preview_queries_do_not_grow_with_the_document(
    client, secretariat, practices, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=3, practices=practices)
    exported = render(build(document), "md").content.decode()
    revised = exported.replace("Body of 1.1.", "Body of 1.1, revised.").encode()
    login(client, secretariat)
    url = _preview(client, document, revised, name="revised.md")
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert page.status_code == 200
    assert page.context["revision"].counts()["changed"] == 1


def test_reservations_and_footnote_numbers_are_normalised():
    body = "Text.[^3] More.[^r0]\n\n[^3]: A note.\n\n[^r0]: The delegation of X reserves: why."
    assert local_notes(body) == (
        "Text.[^1] More.[^2]\n\n[^1]: A note.\n\n[^2]: The delegation of X reserves: why."
    )
    assert without_reservations(
        local_notes(body), [("The delegation of X reserves: ", "why.")]
    ) == ("Text.[^1] More.\n\n[^1]: A note.")
