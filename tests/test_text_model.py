"""The text model holds real documents (issue 12): tables, (a)/(i) sub-items, footnotes
numbered through the whole document, footnotes on the lead sentence, and redlines that
show a footnote change as a footnote change.

Every output is read back the way a person's tools would: pages and HTML as text,
Word through python-docx, the PDF's Typst source and its text through pypdf.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import docx as python_docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from drafting import actions, diff, text
from drafting.export import build, markup, pdf, render
from drafting.history import points, stamp
from drafting.models import Practice, ReviewMeeting, Version
from tests.conftest import login, make_document, make_practice, make_section
from tests.test_export import W, footnotes, pdf_text

pytestmark = pytest.mark.django_db

LEAD = "Treat schools as partners.[^L]"
BODY = (
    "Schools see pupils daily[^1] and know families.[^2]\n\n"
    "(a) state the purpose;\n\n"
    "(b) explain the records, including:\n\n"
    "  (i) who may see them;\n\n"
    "  (ii) how long they are kept.\n\n"
    "| Level | Typical situation | Response |\n"
    "|---|---|---:|\n"
    "| Low | Sympathy for views | Advice |\n"
    "| High | Planning an offence | Referral |\n\n"
    "[^1]: Note one.\n\n"
    "[^2]: Note two.\n\n"
    "[^L]: Lead note."
)
LATER = "Later practice text.[^x]\n\n[^x]: Later note."


def _document(by, when=None):
    document = make_document(by=by, sections=0, when=when)
    first = make_section(document, by=by, title="Schools", when=when)
    make_practice(first, by=by, heading=LEAD, body=BODY, when=when)
    second = make_section(document, by=by, title="Police", when=when)
    later = make_practice(second, by=by, heading="Second lead.", body=LATER, when=when)
    return document, later


def _no_codes(value: str) -> None:
    assert "[^" not in value, value[max(0, value.find("[^") - 200) : value.find("[^") + 200]


# --- the renderer --------------------------------------------------------------


def test_tables_render_as_tables_with_their_alignment():
    html = text.render("| A | B |\n|---|--:|\n| 1 | 2 |")
    assert "<table>" in html and '<th dir="auto">A</th>' in html
    # As a class: the Content-Security-Policy (style-src 'self') forbids inline styles.
    assert '<td class="align-right" dir="auto">2</td>' in html and "style" not in html


def test_table_cells_cannot_carry_other_styles():
    html = text.render('| A |\n|---|\n| <b style="color:red">x</b> |')
    assert "<b" not in html and "<td style" not in html


def test_sub_items_get_their_label_and_level():
    html = text.render(
        "(a) one;\n\n(b) two:\n\n(i) roman after b;\n\n  (ii) indented;\n\n(c) three."
    )
    assert html.count('class="sub-item sub-item-1"') == 3
    assert html.count('class="sub-item sub-item-2"') == 2
    assert '<span class="sub-label">(ii)</span> indented;' in html
    # The letters a..h then (i): the ninth letter, not a roman one.
    letters = "\n\n".join(f"({c}) item {c}." for c in "abcdefghi")
    assert text.render(letters).count("sub-item-1") == 9


def test_sub_items_typed_on_consecutive_lines_are_items_of_their_own():
    html = text.render("Do this:\n(a) one;\n  (i) deep;\n(b) two.")
    assert html.startswith('<p dir="auto">Do this:</p>')
    assert html.count("sub-item-1") == 2 and html.count("sub-item-2") == 1
    rich = markup.parse("Do this:\n(a) one;\n(b) two.")
    assert [(b.label, b.level) for b in rich.blocks] == [("", 0), ("(a)", 1), ("(b)", 1)]


def test_footnotes_start_at_the_number_given():
    html = text.render("A[^1] b[^2]\n\n[^1]: one\n\n[^2]: two", anchor_prefix="p-", start=5)
    assert (
        "[5]</a>" in html and "[6]</a>" in html and '<ol class="footnotes-list" start="5">' in html
    )


def test_a_lead_footnote_is_a_superscript_link_numbered_first():
    lead = text.render_lead(LEAD, BODY, anchor_prefix="p-", start=3)
    assert "[^" not in lead
    assert '<sup class="footnote-ref"><a href="#p-fn1" id="p-fnref1">[3]</a></sup>' in lead
    body = text.render(BODY, anchor_prefix="p-", start=3, lead=LEAD)
    item = r'<li id="p-fn\d+" class="footnote-item" dir="auto"><p dir="auto">([^<]+?) <a'
    notes = re.findall(item, body)
    assert notes == ["Lead note.", "Note one.", "Note two."]
    assert "[4]</a>" in body and "[5]</a>" in body
    assert text.footnote_count(BODY, LEAD) == 3 and text.footnote_count(BODY) == 2


def test_a_lead_reference_to_a_note_that_is_not_defined_stays_text():
    assert str(text.render_lead("Lead.[^9]", "Body.")) == "Lead.[^9]"


# --- pages: numbers run through the document ---------------------------------------


def test_the_document_page_numbers_footnotes_through_the_document(client, secretariat):
    document, later = _document(secretariat)
    page = login(client, secretariat).get(document.get_absolute_url()).content.decode()
    _no_codes(page)
    assert '<a href="#n' in page and ">[1]</a></sup>" in page  # the lead's note
    later_html = page[page.index(f'id="practice-{later.pk}"') :]
    assert ">[4]</a></sup>" in later_html and 'start="4"' in later_html
    assert "<table>" in page and '<th dir="auto">Typical situation</th>' in page
    assert 'class="sub-item sub-item-2" dir="auto"><span class="sub-label">(i)</span>' in page


def test_the_section_page_numbers_on_from_earlier_sections(client, secretariat):
    document, later = _document(secretariat)
    page = login(client, secretariat).get(later.section.get_absolute_url()).content.decode()
    assert ">[4]</a></sup>" in page and 'start="4"' in page


def test_editing_an_earlier_practice_renumbers_later_notes_on_the_page(client, secretariat):
    document, later = _document(secretariat)
    login(client, secretariat)
    client.get(document.get_absolute_url())  # fill the fragment memo
    first = Practice.objects.get(heading=LEAD)
    first.body = BODY.replace("[^2]", "").replace("[^2]: Note two.", "")
    first.revision += 1
    stamp(first, by=secretariat)
    first.save()
    page = client.get(document.get_absolute_url()).content.decode()
    later_html = page[page.index(f'id="practice-{later.pk}"') :]
    assert ">[3]</a></sup>" in later_html and ">[4]</a></sup>" not in later_html


def test_a_version_page_numbers_footnotes_through_the_document(client, secretariat):
    document, _ = _document(secretariat)
    version = Version(
        document=document, name="Draft 1", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat)
    version.save()
    url = reverse("drafting:version-detail", args=[document.slug, version.pk])
    page = login(client, secretariat).get(url).content.decode()
    _no_codes(page)
    assert ">[1]</a></sup>" in page and ">[4]</a></sup>" in page and 'start="4"' in page


def test_reservations_on_the_record_take_their_place_in_the_sequence(
    client, secretariat, expert, settings
):
    """Word and the PDF print reservations as the practice's last footnotes; the pages and
    the HTML file number them in the same sequence, so every output agrees."""
    document, later = _document(secretariat)
    first = Practice.objects.get(heading=LEAD)
    position = actions.state_position(
        first, by=expert, delegation=expert.profile.delegation, stance="reservation", text="No."
    )
    actions.record_reservation(position, by=secretariat)
    login(client, secretariat)
    for url in (document.get_absolute_url(), later.section.get_absolute_url()):
        page = client.get(url).content.decode()
        later_html = page[page.index(f'id="practice-{later.pk}"') :]
        assert ">[5]</a></sup>" in later_html and 'start="5"' in later_html, url
    page = client.get(document.get_absolute_url()).content.decode()
    assert '<span class="muted">4.</span>' in page  # the reservation is note 4
    model = build(document)
    html = render(model, "html").content.decode()
    assert ">[5]</a></sup>" in html and '<p class="reservation-lead">4. ' in html
    md = render(model, "md").content.decode()
    assert "[^5]: Later note." in md
    word = python_docx.Document(io.BytesIO(render(model, "docx").content))
    assert footnotes(word)[4] == " Later note."


def _footnoted(by, practices: int):
    document = make_document(by=by, sections=0)
    for s in range(2):
        section = make_section(
            document, by=by, title=f"Section {s}", introduction="Intro.[^i]\n\n[^i]: I."
        )
        for p in range(practices):
            make_practice(
                section, by=by, heading=f"Lead {s}.{p}.[^L]", body="B.[^1]\n\n[^1]: N.\n\n[^L]: L."
            )
    return document


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_continuous_numbers_cost_no_query_per_practice(client, secretariat):
    login(client, secretariat)
    counts = []
    for size in (2, 30):
        document = _footnoted(secretariat, size)
        last = document.sections.order_by("-position").first()
        page = client.get(document.get_absolute_url()).content.decode()
        # Two section introductions and 2 x size practices of two notes each.
        assert f">[{2 + 4 * size}]</a></sup>" in page
        counts.append(
            (
                _queries(client, document.get_absolute_url()),
                _queries(client, last.get_absolute_url()),
            )
        )
    assert counts[0] == counts[1]


# --- exports ---------------------------------------------------------------------


def test_html_export_numbers_footnotes_through_the_document(secretariat):
    document, _ = _document(secretariat)
    page = render(build(document), "html").content.decode()
    _no_codes(page)
    assert ">[1]</a></sup>" in page and ">[4]</a></sup>" in page and 'start="4"' in page
    assert '<th dir="auto">Level</th>' in page and "sub-item-2" in page


def test_markdown_export_writes_tables_sub_items_and_continuous_notes(secretariat):
    document, _ = _document(secretariat)
    md = render(build(document), "md").content.decode()
    assert "**Treat schools as partners.[^1]**" in md
    assert "[^1]: Lead note." in md and "[^2]: Note one." in md and "[^4]: Later note." in md
    assert "| Level | Typical situation | Response |" in md and "| --- | --- | ---: |" in md
    assert "| High | Planning an offence | Referral |" in md
    assert "\n(a) state the purpose;\n" in md and "\n  (i) who may see them;\n" in md
    # Read back by the same renderer: the same table and items.
    again = text.render(md.split("## Good Practice 1", 1)[1])
    assert '<th class="align-right" dir="auto">Response</th>' in again
    assert again.count("sub-item-2") == 2


def test_word_export_has_real_table_sub_items_and_notes_in_one_sequence(secretariat):
    document, _ = _document(secretariat)
    word = python_docx.Document(io.BytesIO(render(build(document), "docx").content))
    assert footnotes(word) == [" Lead note.", " Note one.", " Note two.", " Later note."]
    lead = next(p for p in word.paragraphs if p.text.startswith("Treat schools"))
    assert lead._p.findall(f".//{W}footnoteReference")  # the lead's own footnote
    table = word.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Level", "Typical situation", "Response"]
    assert [c.text for c in table.rows[2].cells] == ["High", "Planning an offence", "Referral"]
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    items = {p.text.split("\t")[0]: p for p in word.paragraphs if p.text.startswith("(")}
    assert set(items) == {"(a)", "(b)", "(i)", "(ii)"}
    indent = {k: p.paragraph_format.left_indent for k, p in items.items()}
    assert indent["(i)"] == 2 * indent["(a)"]
    assert items["(a)"].paragraph_format.first_line_indent < 0  # hanging


def test_pdf_export_typesets_tables_sub_items_and_the_lead_note(secretariat, settings):
    settings.EXPORT_TYPESET_IN_CHILD = False
    document, _ = _document(secretariat)
    model = build(document)
    source = pdf.source(model)
    assert "#lead[Treat schools as partners\\.#footnote[Lead note\\.]" in source
    assert "table.header([#strong[Level]]" in source
    assert "#pad(left: 2.2em * 1, grid(columns: (2.2em, 1fr), [\\(i\\)]" in source
    out = pdf_text(render(model, "pdf").content)
    flat = re.sub(r"\s+", " ", out)
    for needle in ["Lead note.", "Planning an offence", "(ii)", "Later note."]:
        assert needle in flat


# --- redlines: a footnote change reads as a footnote change --------------------------


def _edit_note(practice: Practice, by) -> None:
    practice.body = practice.body.replace("Later note.", "Later note, now revised.")
    practice.revision += 1
    stamp(practice, by=by)
    practice.save()


def test_diff_keeps_footnote_codes_out_of_redlines():
    old, new = LATER, LATER.replace("Later note.", "Later note, now revised.")
    html = str(diff.redline_html(old, new))
    _no_codes(html)
    assert '<sup class="footnote-ref">[1]</sup>' in html and "<ins>, now revised</ins>" in html
    rich = markup.redline(old, new)
    assert isinstance(rich.blocks[0].inlines[-1], markup.NoteRef) and len(rich.notes) == 1


def test_history_changes_and_meeting_pages_show_a_changed_note(client, secretariat):
    long_ago = timezone.now() - timedelta(days=30)
    document, later = _document(secretariat, when=long_ago)
    start = timezone.localdate() - timedelta(days=10)
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        status=ReviewMeeting.Status.HELD,
        title="Review meeting",
        city="Rabat",
        starts_on=start,
        ends_on=start,
    )
    stamp(meeting, by=secretariat)
    meeting.save()
    _edit_note(later, secretariat)
    login(client, secretariat)
    since = (timezone.localdate() - timedelta(days=5)).isoformat()
    urls = [
        reverse("drafting:practice-history", args=[later.pk]),
        reverse("drafting:document-changes", args=[document.slug]) + f"?since={since}",
        reverse("drafting:meeting-detail", args=[meeting.pk]),
    ]
    for url in urls:
        page = client.get(url).content.decode()
        assert "now revised" in page, url
        _no_codes(page)
        assert "<ins>, now revised</ins>" in page, url


def test_redline_word_and_pdf_show_a_changed_note_as_a_footnote(secretariat, settings):
    settings.EXPORT_TYPESET_IN_CHILD = False
    document, later = _document(secretariat)
    version = Version(
        document=document, name="Draft 1", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat)
    version.save()
    _edit_note(later, secretariat)
    model = build(document, redline_from=points.of_version(version))

    word = python_docx.Document(io.BytesIO(render(model, "docx").content))
    _no_codes("\n".join(p.text for p in word.paragraphs))
    part = word.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
    )
    notes_xml = part.blob.decode()
    assert "Later note" in notes_xml and "now revised" in notes_xml
    assert re.search(r"<w:ins [^>]*>(?:(?!</w:ins>).)*now revised", notes_xml)

    source = pdf.source(model)
    _no_codes(source)
    assert "#footnote[Later note#ins[, now revised]" in source.replace("\\", "")
    flat = re.sub(r"\s+", " ", pdf_text(render(model, "pdf").content))
    assert "now revised" in flat and "[^" not in flat

    page = render(model, "html").content.decode()
    _no_codes(page)
    assert "<ins>, now revised</ins>" in page

    md = render(model, "md").content.decode()
    assert "Later note{++, now revised++}." in md


def test_redlines_of_sub_items_keep_their_labels_and_mark_the_words():
    old = "(a) state the purpose;\n\n  (i) who may see them."
    new = "(a) state the purpose plainly;\n\n  (i) who may see them."
    html = str(diff.redline_html(old, new))
    assert "(a) state the purpose<ins> plainly</ins>;" in html and "(i) who may see them." in html
    rich = markup.redline(old, new)
    assert markup.plain_text(rich.blocks[0].inlines) == "(a) state the purpose plainly;"


def test_a_lead_footnote_redline_reads_as_a_footnote(secretariat):
    old_body, new_body = BODY, BODY.replace("Lead note.", "Lead note, revised.")
    heading, body = diff.practice_redline(LEAD, old_body, LEAD.replace("Treat", "Make"), new_body)
    _no_codes(str(heading) + str(body))
    assert '<sup class="footnote-ref">[1]</sup>' in heading
    assert "<sup>[1]</sup> Lead note<ins>, revised</ins>." in body
