"""Exports open as real files and say what the document page says.

Every test reads what was produced the way a person's tools would: the PDF's
text through pypdf, the DOCX through python-docx (footnotes from their own
part), the HTML and Markdown as text.
"""

from __future__ import annotations

import copy
import html as htmllib
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import docx as python_docx
import pytest
from django.utils import timezone
from docx.opc.constants import RELATIONSHIP_TYPE
from lxml import etree
from pypdf import PdfReader

from drafting import reads
from drafting.export import FORMATS, build, export, render, writer
from drafting.history import points, stamp
from drafting.history.points import PointError
from drafting.models import (
    POSITION_STEP,
    Amendment,
    Document,
    Practice,
    ReviewMeeting,
    Section,
    Version,
)
from tests.conftest import make_document, make_practice, make_section

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --- reading what was produced ----------------------------------------------


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return text.replace("\u200b", "").replace("\u00ad", "")


def docx_text(content: bytes) -> str:
    """Body paragraphs (tracked insertions included, deletions as delText), then footnotes."""
    document = python_docx.Document(io.BytesIO(content))
    lines = [
        "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}delText")) for p in _paras(document)
    ]
    return "\n".join(lines + footnotes(document))


def _paras(document):
    return document.element.body.iter(f"{W}p")


def footnotes(document) -> list[str]:
    try:
        part = document.part.part_related_by(RELATIONSHIP_TYPE.FOOTNOTES)
    except KeyError:
        return []
    root = etree.fromstring(part.blob)
    return [
        "".join(t.text or "" for t in note.iter(f"{W}t"))
        for note in root.iter(f"{W}footnote")
        if note.get(f"{W}type") is None
    ]


def html_text(content: bytes) -> str:
    text = re.sub(r"<style.*?</style>", " ", content.decode(), flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", text))


def text_of(fmt: str, content: bytes) -> str:
    reader = {"pdf": pdf_text, "docx": docx_text, "html": html_text, "md": bytes.decode}[fmt]
    return reader(content)


def squash(value: str) -> str:
    """Whitespace-insensitive form: PDF lines and justification break text anywhere."""
    return re.sub(r"\s+", "", value)


def assert_in_order(text: str, needles: list[str]) -> None:
    flat, position = squash(text), -1
    for needle in needles:
        found = flat.find(squash(needle), position + 1)
        assert found > position, f"{needle!r} missing or out of order"
        position = found


# --- building documents ----------------------------------------------------


def footnoted_document(by, **overrides) -> Document:
    document = make_document(by=by, sections=0, **overrides)
    for s, title in enumerate(["Prevention", "Détection et réponse"], start=1):
        section = make_section(document, by=by, title=title, introduction=f"Intro {s}.")
        for p in range(1, 4):
            body = f"Body {s}.{p} text."
            if p == 2:
                body += f" See note.[^a]\n\n[^a]: Footnote for {s}.{p}."
            make_practice(section, by=by, heading=f"Heading {s}.{p}", body=body)
    return document


def expected_order(document: Document) -> list[str]:
    needles = []
    for entry in reads.document_outline(document):
        needles.append(entry.section.title)
        for item in entry.practices:
            needles += [f"Good Practice {item.number}", item.practice.heading]
    return needles


def set_status(obj, status, *, by) -> None:
    obj.status = status
    stamp(obj, by=by, reason="Test status.")
    obj.save()


# --- content and order -------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_has_sections_practices_and_footnotes_in_order(fmt, secretariat):
    document = footnoted_document(secretariat)
    exported = export(document, fmt)
    text = text_of(fmt, exported.content)
    assert_in_order(text, expected_order(document))
    assert "Body 1.2 text." in text.replace("\n", " ") or squash("Body 1.2 text.") in squash(text)
    for note in ["Footnote for 1.2.", "Footnote for 2.2."]:
        assert squash(note) in squash(text)
    assert exported.filename == f"{document.slug}-current.{writer(fmt).EXTENSION}"


def test_pdf_has_cover_contents_running_header_and_page_numbers(secretariat):
    document = footnoted_document(secretariat, initiative="Initiative on Testing")
    reader = PdfReader(io.BytesIO(export(document, "pdf").content))
    cover, contents = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert document.title in " ".join(cover.split()) and "Test Forum" in cover
    assert "Initiative on Testing" in cover
    assert "Contents" in contents and "Prevention" in contents
    # The contents give the page each section starts on.
    prevention_page = next(
        n for n, page in enumerate(reader.pages, start=1) if "Heading 1.1" in page.extract_text()
    )
    assert re.search(rf"Prevention[ .]*{prevention_page}\b", contents)
    later = reader.pages[prevention_page - 1].extract_text()
    assert document.short_title in later and str(prevention_page) in later.split()
    assert [o.title for o in reader.outline if not isinstance(o, list)][-2:] == [
        "Prevention",
        "Détection et réponse",
    ]


def test_docx_uses_word_heading_styles_real_footnotes_and_a4(secretariat):
    document = footnoted_document(secretariat)
    word = python_docx.Document(io.BytesIO(export(document, "docx").content))
    styled = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Head")]
    assert ("Heading 1", "Prevention") in styled
    assert [t for s, t in styled if s == "Heading 2"] == [f"Good Practice {n}" for n in range(1, 7)]
    assert footnotes(word) == [" Footnote for 1.2.", " Footnote for 2.2."]
    refs = [r.get(f"{W}id") for r in word.element.body.iter(f"{W}footnoteReference")]
    assert refs == ["1", "2"]
    section = word.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    footer_xml = etree.tostring(section.footer._element).decode()
    assert "PAGE" in footer_xml
    # The package is well formed: every part parses and is declared.
    with zipfile.ZipFile(io.BytesIO(export(document, "docx").content)) as package:
        names = package.namelist()
        assert "word/footnotes.xml" in names
        for name in names:
            if name.endswith(".xml") or name.endswith(".rels"):
                etree.fromstring(package.read(name))
        assert "footnotes+xml" in package.read("[Content_Types].xml").decode()


def test_html_export_is_one_file_without_scripts_or_external_resources(secretariat):
    document = footnoted_document(secretariat)
    page = export(document, "html").content.decode()
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert "@page" in page  # printable


def test_markdown_keeps_footnotes_unique_and_escapes_markup(secretariat):
    document = make_document(by=secretariat, sections=0)
    section = make_section(document, by=secretariat, title="Section # one")
    make_practice(section, by=secretariat, heading="First", body="A.[^1]\n\n[^1]: Note one.")
    make_practice(
        section,
        by=secretariat,
        heading="Second *star*",
        body="B.[^1] # not a heading, $x$ @cite <b>raw</b>\n\n[^1]: Note two.",
    )
    md = export(document, "md").content.decode()
    labels = re.findall(r"^\[\^([^\]]+)\]:", md, flags=re.M)
    assert len(labels) == 2 and len(set(labels)) == 2
    assert "**Second \\*star\\***" in md
    assert "\\$x\\$ \\@cite \\<b\\>raw\\</b\\>" in md
    assert "# Section \\# one" in md


def test_numbering_in_every_export_matches_the_document_page(client, secretariat):
    document = footnoted_document(secretariat)
    # Move the last practice to the front of the first section and delete one: numbers shift.
    first, second = document.sections.order_by("position")
    moved = second.practices.order_by("position").last()
    moved.section = first
    moved.position = first.practices.order_by("position").first().position - 10
    stamp(moved, by=secretariat, reason="Moved.")
    moved.save()
    gone = second.practices.order_by("position").first()
    stamp(gone, by=secretariat, reason="Deleted.")
    gone.delete()

    outline = reads.document_outline(document)
    numbers = {i.practice.heading: i.number for e in outline for i in e.practices}
    assert numbers["Heading 2.3"] == 1
    model = build(document)
    assert {p.heading: p.number for p in model.practices} == numbers
    from tests.conftest import login

    page = login(client, secretariat).get(document.get_absolute_url()).content.decode()
    for fmt in FORMATS:
        text = text_of(fmt, render(model, fmt).content)
        assert_in_order(text, expected_order(document))
    assert_in_order(
        html_text(page.encode()), [f"Good Practice {numbers['Heading 2.3']}", "Heading 2.3"]
    )


# --- points in time ------------------------------------------------------------


def test_version_export_shows_the_text_and_numbers_as_they_were(secretariat):
    document = footnoted_document(secretariat)
    version = Version(
        document=document, name="Draft 1", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat, reason="Named.")
    version.save()
    section = document.sections.order_by("position").first()
    make_practice(
        section,
        by=secretariat,
        heading="Inserted first",
        body="New.",
        position=section.practices.order_by("position").first().position - 10,
    )
    practice = section.practices.get(heading="Heading 1.1")
    practice.heading = "Heading 1.1 revised"
    stamp(practice, by=secretariat, reason="Edit.")
    practice.save()

    old = pdf_text(export(document, "pdf", points.of_version(version)).content)
    assert_in_order(old, ["Good Practice 1", "Heading 1.1", "Good Practice 2", "Heading 1.2"])
    assert "Inserted first" not in old and "revised" not in old
    assert "Draft 1" in old
    new = pdf_text(export(document, "pdf").content)
    assert_in_order(new, ["Good Practice 1", "Inserted first", "Good Practice 2", "revised"])


def test_meeting_export_is_the_text_at_the_meeting_opening(secretariat):
    month_ago = timezone.now() - timedelta(days=30)
    document = Document(title="Meeting test", short_title="MT", slug="meeting-test", forum="F")
    stamp(document, by=secretariat, when=month_ago)
    document.save()
    section = Section(document=document, title="Only section", position=POSITION_STEP)
    stamp(section, by=secretariat, when=month_ago)
    section.save()
    practice = Practice(section=section, heading="Before the meeting", position=POSITION_STEP)
    stamp(practice, by=secretariat, when=month_ago)
    practice.save()
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Review meeting",
        city="Rabat",
        starts_on=timezone.localdate() - timedelta(days=10),
        ends_on=timezone.localdate() - timedelta(days=9),
    )
    stamp(meeting, by=secretariat)
    meeting.save()
    practice.heading = "Agreed at the meeting"
    stamp(practice, by=secretariat, reason="Agreed.", when=timezone.now() - timedelta(days=9))
    practice.save()

    text = pdf_text(export(document, "pdf", points.of_meeting(meeting)).content)
    assert "Before the meeting" in text and "Agreed at the meeting" not in text
    assert "Review meeting" in text


def test_a_date_before_the_document_existed_is_a_clear_error(secretariat):
    document = make_document(by=secretariat)
    with pytest.raises(PointError, match="did not exist"):
        export(document, "md", points.at(timezone.now() - timedelta(days=3650)))


def test_a_redline_that_starts_after_it_ends_is_refused(secretariat):
    document = make_document(by=secretariat)
    with pytest.raises(PointError, match="start after it ends"):
        export(
            document,
            "pdf",
            points.at(timezone.now() - timedelta(days=1)),
            redline_from=points.NOW,
        )


# --- DRAFT marking --------------------------------------------------------------


def test_draft_export_lists_unapproved_sections_and_open_amendments(secretariat, expert):
    document = footnoted_document(secretariat)
    first, second = document.sections.order_by("position")
    set_status(first, Section.Status.APPROVED, by=secretariat)
    practice = second.practices.order_by("position").first()
    amendment = Amendment(
        section=second,
        practice=practice,
        proposed_heading="Better",
        rationale="Clearer.",
        delegation=expert.profile.delegation,
        proposed_by=expert,
    )
    stamp(amendment, by=expert, reason="Proposed.")
    amendment.save()
    for fmt in FORMATS:
        text = text_of(fmt, export(document, fmt).content)
        assert "DRAFT" in text, fmt
        assert squash("Détection et réponse (drafting)") in squash(text), fmt
        assert squash("Prevention (approved)") not in squash(text)
        line = f"Amendment #{amendment.pk} by {expert.profile.delegation.name}: change to Good"
        assert squash(line) in squash(text), fmt


def test_draft_stands_in_the_header_corner_in_pdf_and_word_alike(secretariat):
    document = footnoted_document(secretariat)
    # PDF: on every page after the cover, DRAFT at the top right, and nowhere else on it.
    reader = PdfReader(io.BytesIO(export(document, "pdf").content))
    page = reader.pages[1]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() == "DRAFT":
            found.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    assert len(found) == 1, found
    x, y = found[0]
    assert x > width * 0.75 and y > height * 0.9, (x, y, width, height)
    # Word: the header's one tab reaches the right margin (the style's centre stop cleared).
    word = python_docx.Document(io.BytesIO(export(document, "docx").content))
    header = word.sections[0].header.paragraphs[0]._p
    stops = {
        (t.get(f"{W}val"), t.get(f"{W}pos")) for t in header.iter(f"{W}tab") if t.get(f"{W}val")
    }
    assert ("clear", "4680") in stops and ("right", "9184") in stops
    runs = [r for r in header.iter(f"{W}r")]
    assert [r.find(f"{W}t").text for r in runs if r.find(f"{W}t") is not None][-1] == "DRAFT"
    assert runs[-2].find(f"{W}tab") is not None  # DRAFT follows the tab to the right margin


def test_no_label_or_lead_is_stranded_at_the_foot_of_a_page(secretariat):
    document = make_document(by=secretariat, sections=0)
    section = make_section(document, by=secretariat, title="Prevention")
    for n in range(1, 41):
        # Bodies of 1 to 9 lines, in an order that puts every kind of break at a page foot.
        body = " ".join(
            f"Sentence {n}.{k} of the practice text runs on." for k in range((n * 7) % 17 + 1)
        )
        make_practice(section, by=secretariat, heading=f"Lead of practice {n}.", body=body)
    reader = PdfReader(io.BytesIO(export(document, "pdf").content))
    for number, page in enumerate(reader.pages[2:], start=3):  # after the cover and contents
        lines = [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
        last = lines[-2] if lines[-1].isdigit() else lines[-1]  # the page number is last
        assert not last.startswith(("Good Practice", "Lead of practice")), (number, lines[-4:])
    # Word: labels, flags and leads keep with the next paragraph.
    word = python_docx.Document(io.BytesIO(export(document, "docx").content))
    assert word.styles["Heading 2"].paragraph_format.keep_with_next
    leads = [p for p in word.paragraphs if p.text.startswith("Lead of practice")]
    assert len(leads) == 40 and all(p.paragraph_format.keep_with_next for p in leads)


@pytest.mark.parametrize(
    "status", [Document.Status.FINAL, Document.Status.SUBMITTED, Document.Status.ADOPTED]
)
def test_final_submitted_and_adopted_documents_export_clean(status, secretariat):
    document = footnoted_document(secretariat)
    for section in document.sections.all():
        set_status(section, Section.Status.APPROVED, by=secretariat)
    set_status(document, status, by=secretariat)
    for fmt in FORMATS:
        text = text_of(fmt, export(document, fmt).content)
        assert "DRAFT" not in text.upper().replace("DRAFTING", ""), fmt
        assert "not yet approved" not in text


def test_a_version_taken_while_drafting_is_marked_draft_even_once_adopted(secretariat):
    document = footnoted_document(secretariat)
    version = Version(
        document=document, name="Draft", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat)
    version.save()
    set_status(document, Document.Status.ADOPTED, by=secretariat)
    assert "DRAFT" in pdf_text(export(document, "pdf", points.of_version(version)).content)
    assert "DRAFT" not in pdf_text(export(document, "pdf").content)


def test_cover_says_where_the_document_was_adopted(secretariat):
    document = footnoted_document(secretariat)
    plenary = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.MINISTERIAL,
        title="Ninth Ministerial Plenary",
        city="New York",
        starts_on=date(2018, 9, 26),
        ends_on=date(2018, 9, 26),
    )
    stamp(plenary, by=secretariat)
    plenary.save()
    document.target_meeting = plenary
    set_status(document, Document.Status.SUBMITTED, by=secretariat)
    assert squash("Submitted for adoption at the Ninth Ministerial Plenary, New York") in squash(
        pdf_text(export(document, "pdf").content)
    )
    document.adopted_at, document.adopted_on = plenary, date(2018, 9, 26)
    set_status(document, Document.Status.ADOPTED, by=secretariat)
    for fmt in FORMATS:
        text = text_of(fmt, export(document, fmt).content)
        assert squash(
            "Adopted at the Ninth Ministerial Plenary, New York on 26 September 2018"
        ) in (squash(text)), fmt
        # Each date is said once: not the plenary's beside the adoption's, not today's.
        assert squash(text).count(squash("26 September 2018")) == 1, fmt
        assert squash("The adopted text") in squash(text), fmt
        assert "Current text" not in text, fmt


# --- redlines --------------------------------------------------------------------


def redlined(secretariat):
    document = footnoted_document(secretariat)
    version = Version(
        document=document, name="Draft 1", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat)
    version.save()
    first, second = document.sections.order_by("position")
    changed = first.practices.get(heading="Heading 1.1")
    changed.body = "Body 1.1 amended text."
    stamp(changed, by=secretariat)
    changed.save()
    make_practice(second, by=secretariat, heading="Brand new practice", body="Fresh.")
    gone = first.practices.get(heading="Heading 1.3")
    stamp(gone, by=secretariat)
    gone.delete()
    moved = second.practices.get(heading="Heading 2.1")
    moved.section, moved.position = first, first.practices.order_by("position").first().position - 9
    stamp(moved, by=secretariat)
    moved.save()
    return document, build(document, redline_from=points.of_version(version))


def test_redline_flags_added_deleted_moved_and_changed_practices(secretariat):
    _, model = redlined(secretariat)
    flags = {p.heading or p.old_heading: (p.change, p.moved) for p in model.practices}
    assert flags["Heading 1.1"] == ("changed", False)
    assert flags["Brand new practice"] == ("added", False)
    assert flags["Heading 1.3"] == ("deleted", False)
    assert flags["Heading 2.1"] == (None, True)
    assert flags["Heading 1.2"] == (None, False)
    assert (model.redline.added, model.redline.deleted, model.redline.moved) == (1, 1, 1)
    # The deleted practice stays where it stood, after Heading 1.2.
    headings = [p.heading or p.old_heading for p in model.sections[0].practices]
    assert headings == ["Heading 2.1", "Heading 1.1", "Heading 1.2", "Heading 1.3"]


def test_redline_marks_the_right_words_in_every_format(secretariat):
    _, model = redlined(secretariat)
    page = render(model, "html").content.decode()
    assert "<del>text</del><ins>amended text</ins>" in page.replace("\n", "") or (
        "<ins>amended" in page
    )
    assert "<ins>Brand new practice</ins>" in page

    md = render(model, "md").content.decode()
    assert "Body 1.1 {++amended++} text." in md
    assert "{--Heading 1.3--}" in md and "*MOVED" in md and "*ADDED" in md

    word = python_docx.Document(io.BytesIO(render(model, "docx").content))
    inserted = ["".join(t.text for t in i.iter(f"{W}t")) for i in word.element.body.iter(f"{W}ins")]
    deleted = [
        "".join(t.text for t in d.iter(f"{W}delText")) for d in word.element.body.iter(f"{W}del")
    ]
    assert "amended" in "".join(inserted) and "Brand new practice" in inserted
    assert "Heading 1.3" in deleted

    text = pdf_text(render(model, "pdf").content)
    for word_ in ["CHANGED", "ADDED", "DELETED", "MOVED", "formerly Good Practice 4"]:
        assert word_ in text
    assert "REDLINE" in text or "DRAFT" in text


def _resolved(content: bytes, *, accept: bool) -> list[str]:
    """Word's Accept all (``accept``) or Reject all applied to a DOCX's body: paragraph texts.

    Run-level changes: the kept kind is unwrapped, the other removed. A paragraph mark
    of the removed kind (w:ins/w:del in the mark's w:rPr) joins its paragraph to the
    next, as Word does; one of the kept kind simply stops being a change.
    """
    body = copy.deepcopy(python_docx.Document(io.BytesIO(content)).element.body)
    keep, drop = (f"{W}ins", f"{W}del") if accept else (f"{W}del", f"{W}ins")
    for change in list(body.iter(keep, drop)):
        parent = change.getparent()
        if parent.tag == f"{W}rPr":
            continue  # a paragraph mark: below
        if change.tag == drop:
            parent.remove(change)
        else:
            for child in list(change):
                change.addprevious(child)
            parent.remove(change)
    for paragraph in list(body.iter(f"{W}p")):
        mark = paragraph.find(f"{W}pPr/{W}rPr")
        if mark is None or not len(mark):
            continue
        if mark.find(drop) is None:
            mark.remove(mark.find(keep))
            continue
        following = paragraph.getnext()
        if following is None or following.tag != f"{W}p":
            continue  # the document's last paragraph mark stays (Word keeps one), emptied
        content = [c for c in paragraph if c.tag != f"{W}pPr"]
        anchor = following.find(f"{W}pPr")
        for child in reversed(content):
            if anchor is not None:
                anchor.addnext(child)
            else:
                following.insert(0, child)
        paragraph.getparent().remove(paragraph)
    texts = [
        "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}delText")) for p in body.iter(f"{W}p")
    ]
    return [t for t in texts if t.strip()]


def test_word_redline_accepts_and_rejects_to_the_texts_paragraphs_included(secretariat):
    document = make_document(by=secretariat, sections=0)
    section = make_section(document, by=secretariat, title="Prevention")
    split = make_practice(
        section, by=secretariat, heading="Split", body="Alpha one. Alpha two.\n\nAlpha three."
    )
    joined = make_practice(section, by=secretariat, heading="Joined", body="Beta one.\n\nBeta two.")
    doomed = make_practice(section, by=secretariat, heading="Doomed", body="Gamma gone.")
    version = Version(
        document=document, name="Draft 1", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat)
    version.save()
    split.body = "Alpha one.\n\nAlpha two, revised.\n\nAlpha three."
    joined.body = "Beta one. Beta two."
    for practice in (split, joined):
        stamp(practice, by=secretariat)
        practice.save()
    stamp(doomed, by=secretariat)
    doomed.delete()
    make_practice(section, by=secretariat, heading="Fresh", body="Delta new.\n\nDelta more.")
    model = build(document, redline_from=points.of_version(version))
    content = render(model, "docx").content

    accepted = _resolved(content, accept=True)
    rejected = _resolved(content, accept=False)

    def run_of(texts: list[str], first: str, count: int) -> list[str]:
        start = next(i for i, t in enumerate(texts) if t.startswith(first))
        return texts[start : start + count]

    assert run_of(accepted, "Alpha one", 3) == ["Alpha one.", "Alpha two, revised.", "Alpha three."]
    assert run_of(rejected, "Alpha one", 2) == ["Alpha one. Alpha two.", "Alpha three."]
    assert run_of(accepted, "Beta one", 1) == ["Beta one. Beta two."]
    assert run_of(rejected, "Beta one", 2) == ["Beta one.", "Beta two."]
    # A practice added or deleted whole goes with its label, lead and paragraphs.
    assert run_of(accepted, "Delta new", 2) == ["Delta new.", "Delta more."]
    assert not any("Delta" in t or t == "Fresh" for t in rejected)
    assert "Gamma gone." in rejected and "Doomed" in rejected
    assert not any("Gamma" in t or t == "Doomed" for t in accepted)


def test_redline_from_before_the_document_existed_marks_everything_added(secretariat):
    document = footnoted_document(secretariat)
    model = build(document, redline_from=points.at(timezone.now() - timedelta(days=365)))
    assert {p.change for p in model.practices} == {"added"}
    assert model.redline.added == 6


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_dangling_footnotes_long_words_empty_sections_and_control_characters(fmt, secretariat):
    document = make_document(by=secretariat, sections=0)
    make_section(document, by=secretariat, title="Empty section")
    section = make_section(document, by=secretariat, title="Hard text")
    long_word = "Pneumono" + "x" * 300
    url = "https://example.org/" + "/".join(["very-long-path-segment"] * 20)
    make_practice(
        section,
        by=secretariat,
        heading="Hard " + long_word,
        # Control characters XML forbids (NUL itself never reaches the database).
        body=f"Dangling ref[^9] here. A link {url} and <{url}>.\x07 Bell\x0b and tab.\n\n"
        "[^unused]: Never referenced.",
    )
    make_practice(section, by=secretariat, heading="After the hard one", body="")
    content = export(document, fmt).content
    text = text_of(fmt, content)
    assert_in_order(text, ["Empty section", "Hard text", "Good Practice 1", "Good Practice 2"])
    assert squash("[^9]") in squash(text.replace("\\", ""))
    assert squash(long_word[:60]) in squash(text)
    if fmt == "pdf":
        # Long words are broken to fit the page rather than run off it.
        reader = PdfReader(io.BytesIO(content))
        assert len(reader.pages) >= 4


def test_arabic_and_french_text_are_typeset_with_fonts_that_cover_them(secretariat):
    document = make_document(
        by=secretariat, sections=0, title="Bonnes pratiques — الممارسات الجيدة"
    )
    section = make_section(document, by=secretariat, title="Prévention")
    make_practice(section, by=secretariat, heading="Élèves et écoles", body="الوقاية من الإرهاب")
    reader = PdfReader(io.BytesIO(export(document, "pdf").content))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Amiri" in f for f in fonts), fonts
    assert any("Libertinus" in f for f in fonts), fonts
    assert "Élèves et écoles" in pdf_text(export(document, "pdf").content)


def test_queries_do_not_grow_with_the_document(secretariat, django_assert_max_num_queries):
    small = make_document(by=secretariat, sections=1, practices=2)
    large = make_document(by=secretariat, sections=6, practices=8)
    for document in (small, large):
        with django_assert_max_num_queries(12):
            build(document)


def test_history_dates_are_aware(secretariat):
    # Guards the point labels: a naive date typed in the command is read in the site zone.
    assert timezone.is_aware(points.parse_datetime("2018-06-25T09:00"))
    midnight = datetime(2018, 6, 25, tzinfo=timezone.get_current_timezone())
    assert points.parse_datetime("2018-06-25") == midnight
