"""Right to left and scripts (issue 16): direction from content everywhere, whole-word redlines.

Arabic text is read back the way its reader meets it: the pages' HTML, Word's XML, the
PDF's glyph positions (pypdf), and the redline's units.
"""

from __future__ import annotations

import io
import re
import subprocess

import docx as python_docx
import pytest
import regex
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from drafting import actions, bidi, diff
from drafting.export import build, export, pdf, render
from drafting.history import points, stamp
from drafting.models import Practice, Version
from tests.conftest import login, make_document, make_practice, make_section
from tests.test_export_contents import soffice  # noqa: F401  (the fixture)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

ARABIC = "تعزز الدول التعاون الدولي."
ARABIC_WORDS = ["تعزز", "الدول", "التعاون", "الدولي"]
MIXED = "تنص المادة 5 من UN Charter على ذلك."  # Arabic first: right to left
ENGLISH = "States strengthen cooperation with المغرب and others."  # Latin first
VOWELLED = "كَتَبَ الوفد النص."
REVOWELLED = "كَتُبَ الوفد النص."


def arabic_document(by):
    document = make_document(by=by, sections=0)
    section = make_section(document, by=by, title="Cooperation")
    body = f"{ARABIC}\n\n{VOWELLED}\n\n{MIXED}"
    arabic = make_practice(section, by=by, heading="تعاون دولي", body=body)
    english = make_practice(section, by=by, heading="International cooperation", body=ENGLISH)
    return document, section, arabic, english


# --- the one rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ARABIC, "rtl"),
        (MIXED, "rtl"),
        (ENGLISH, "ltr"),
        ("5. " + ARABIC, "rtl"),  # digits and punctuation decide nothing
        ("(a) Measures", "ltr"),
        ("שלום עולם", "rtl"),
        ("2026 — 5.", None),
        ("", None),
        (None, None),
        # An isolate typed by the user does not decide the paragraph (UAX #9, P2).
        ("\u2068Latin\u2069 " + ARABIC, "rtl"),
    ],
)
def test_direction_comes_from_the_first_strong_character(text, expected):
    assert bidi.direction(text) == expected
    assert bidi.is_rtl(text) is (expected == "rtl")


def test_rtl_language_names_the_script():
    assert bidi.rtl_language(ARABIC) == "ar"
    assert bidi.rtl_language("שלום") == "he"
    assert bidi.rtl_language(ENGLISH) is None


# --- redline units --------------------------------------------------------------------


def test_an_arabic_word_with_a_changed_vowel_mark_is_one_changed_word():
    segments = diff.segments(VOWELLED, REVOWELLED)
    assert segments == [
        diff.Segment("delete", "كَتَبَ"),
        diff.Segment("insert", "كَتُبَ"),
        diff.Segment("equal", " الوفد النص."),
    ]
    # No piece of the redline starts with a combining mark: every cluster stays whole.
    html = str(diff.redline_html(VOWELLED, REVOWELLED))
    assert html == "<del>كَتَبَ</del><ins>كَتُبَ</ins> الوفد النص."


def test_cafe_typed_with_a_combining_accent_diffs_as_one_word():
    combining = "un cafe\u0301 noir"
    assert diff.tokens(combining) == ["un", " ", "cafe\u0301", " ", "noir"]
    assert diff.segments("un cafe noir", combining) == [
        diff.Segment("equal", "un "),
        diff.Segment("delete", "cafe"),
        diff.Segment("insert", "cafe\u0301"),
        diff.Segment("equal", " noir"),
    ]
    # Accent changed on a combining base: still the whole word, never a lone mark.
    segments = diff.segments(combining, "un cafe\u0300 noir")
    assert [s.text for s in segments if s.kind != "equal"] == ["cafe\u0301", "cafe\u0300"]


def test_joining_segments_gives_back_both_texts_in_any_script():
    old, new = f"{VOWELLED} cafe\u0301, 👍🏽!", f"{REVOWELLED} café 👍🏻!"
    segments = diff.segments(old, new)
    assert "".join(s.text for s in segments if s.kind != "insert") == old
    assert "".join(s.text for s in segments if s.kind != "delete") == new


def test_the_fast_reading_of_plain_texts_gives_the_same_units():
    """diff reads texts of "plain" characters with ``re`` (faster): on each of them ``re``
    and ``regex`` must agree (word, space or other), and none may join the character
    before it into one grapheme cluster, so both readings cut every text alike."""
    plain = [chr(c) for c in range(0x2100) if diff.PLAIN_CHARACTERS.fullmatch(chr(c))]
    assert len(plain) > 1000
    for char in plain:
        assert bool(re.fullmatch(r"\w", char)) == bool(regex.fullmatch(r"\w", char)), hex(ord(char))
        assert bool(re.fullmatch(r"\s", char)) == bool(regex.fullmatch(r"\s", char)), hex(ord(char))
        if char not in "\n":  # CR LF is one cluster, but both are spaces to both readers
            assert regex.fullmatch(r"\X", "a" + char) is None, hex(ord(char))
    sample = "Les États-Unis — « coopération » ; Россия, Ελλάδα: 5 €, 7 bis, n° 3.\n\nFin_1"
    assert diff.PLAIN_CHARACTERS.fullmatch(sample)
    assert diff._TOKEN_PLAIN.findall(sample) == diff._TOKEN.findall(sample)
    assert not diff.PLAIN_CHARACTERS.fullmatch("cafe\u0301")
    assert not diff.PLAIN_CHARACTERS.fullmatch(ARABIC)


# --- pages --------------------------------------------------------------------------


def test_pages_give_user_text_its_direction_from_its_content(client, secretariat):
    document, section, arabic, _ = arabic_document(secretariat)
    actions.add_comment(section, by=secretariat, body="ملاحظة على الصياغة.", practice=arabic)
    login(client, secretariat)
    page = client.get(section.get_absolute_url()).content.decode()
    comment = '<p dir="auto">ملاحظة على الصياغة.</p>'
    assert f'<div class="comment-body prose" dir="auto">{comment}' in page
    for url in (document.get_absolute_url(), section.get_absolute_url()):
        page = client.get(url).content.decode()
        assert f'<p dir="auto">{ARABIC}</p>' in page
        assert f'<p dir="auto">{MIXED}</p>' in page
        assert f'<p dir="auto">{ENGLISH}</p>' in page
        assert re.search(r'<p class="practice-heading" dir="auto"><strong>تعاون دولي', page)
    actions.update_practice(
        arabic,
        by=secretariat,
        heading=arabic.heading,
        body=f"{ARABIC}\n\n{REVOWELLED}\n\n{MIXED}",
        base_revision=arabic.revision,
        reason="تصحيح الشكل",
    )
    page = client.get(reverse("drafting:practice-history", args=[arabic.pk])).content.decode()
    assert re.search(
        r'<div class="redline redline-body" dir="auto">[^<]*<del>كَتَبَ</del><ins>كَتُبَ</ins>', page
    )
    assert '<p class="change-reason" dir="auto">تصحيح الشكل</p>' in page


def test_html_export_gives_user_text_its_direction(secretariat):
    document, *_ = arabic_document(secretariat)
    page = export(document, "html").content.decode()
    assert f'<p dir="auto">{ARABIC}</p>' in page
    assert f'<p dir="auto">{ENGLISH}</p>' in page
    assert '<strong dir="auto">تعاون دولي</strong>' in page


# --- Word -----------------------------------------------------------------------------


def _word_paragraphs(content: bytes) -> dict[str, object]:
    document = python_docx.Document(io.BytesIO(content))
    out = {}
    for p in document.element.body.iter(f"{W}p"):
        text = "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}delText"))
        out.setdefault(text, p)
    return out


def test_word_marks_arabic_paragraphs_bidi_and_leaves_english_ones(secretariat):
    document, *_ = arabic_document(secretariat)
    paragraphs = _word_paragraphs(export(document, "docx").content)
    for text in (ARABIC, MIXED, "تعاون دولي"):
        p = paragraphs[text]
        ppr = p.find(f"{W}pPr")
        assert ppr is not None and ppr.find(f"{W}bidi") is not None, text
        # In the schema's order: w:bidi before spacing, indentation and alignment.
        names = [child.tag.removeprefix(W) for child in ppr]
        after = [n for n in names if n in ("spacing", "ind", "jc")]
        assert all(names.index("bidi") < names.index(n) for n in after)
        # No left alignment forced on it: a bidi paragraph aligns at the right margin.
        jc = ppr.find(f"{W}jc")
        assert jc is None or jc.get(f"{W}val") not in ("left", "start")
        first_run = next(p.iter(f"{W}r"))
        assert first_run.find(f"{W}rPr/{W}rtl") is not None
    for text in (ENGLISH, "International cooperation", "Cooperation"):
        p = paragraphs[text]
        assert p.find(f"{W}pPr/{W}bidi") is None, text
    # In the English paragraph only the Arabic word's run would be right to left; the
    # paragraph's one run starts with Latin, so it is not.
    assert all(r.find(f"{W}rPr/{W}rtl") is None for r in paragraphs[ENGLISH].iter(f"{W}r"))


@pytest.mark.requires_soffice
def test_libreoffice_lays_the_word_arabic_paragraph_out_from_the_right(
    secretariat,
    soffice,  # noqa: F811
    tmp_path,
):
    document, *_ = arabic_document(secretariat)
    (tmp_path / "export.docx").write_bytes(export(document, "docx").content)
    done = subprocess.run(  # noqa: S603  (LibreOffice on our own file)
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "export.docx"),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert (tmp_path / "export.pdf").exists(), done.stderr.decode() or done.stdout.decode()
    placed = _placed_words((tmp_path / "export.pdf").read_bytes())
    arabic = [p for p in placed if any(w in p[3] for w in ARABIC_WORDS)]
    english = next(p for p in placed if p[3].startswith("States"))
    # The Arabic paragraph ends (its left-most glyph) far from the left margin where the
    # English one starts: it is aligned at the right.
    assert min(p[1] for p in arabic) > english[1] + 150


# --- PDF ------------------------------------------------------------------------------

PAGE_LEFT, PAGE_RIGHT = 68.0, 527.2  # A4 with 2.4 cm margins, in points


def _placed_words(content: bytes) -> list[tuple[int, float, float, str]]:
    """(page, x, y, text) of every piece of text pypdf finds, as typeset."""
    found = []
    for n, page in enumerate(PdfReader(io.BytesIO(content)).pages):

        def visit(text, cm, tm, font, size, n=n):
            if text.strip():
                found.append((n, cm[4] + tm[4], cm[5] + tm[5], text.strip()))

        page.extract_text(visitor_text=visit)
    return found


def _line_of(placed, word: str) -> list[tuple[float, str]]:
    """(x, text) of the pieces on the body line where ``word`` is first set."""
    page, _, y, _ = next(p for p in placed if p[3] == word)
    return sorted((x, t) for n, x, yy, t in placed if n == page and abs(yy - y) < 0.5)


def test_pdf_sets_arabic_paragraphs_right_to_left_against_the_right_margin(secretariat):
    document, *_ = arabic_document(secretariat)
    placed = _placed_words(export(document, "pdf").content)

    line = _line_of(placed, ARABIC_WORDS[0])
    xs = {t: x for x, t in line}
    # The words in reading order stand from right to left, the first at the right margin.
    assert [xs[w] for w in ARABIC_WORDS] == sorted((xs[w] for w in ARABIC_WORDS), reverse=True)
    assert xs[ARABIC_WORDS[0]] > PAGE_RIGHT - 40
    assert xs[ARABIC_WORDS[-1]] > PAGE_LEFT + 200  # a short line: far from the left margin
    # The full stop is at the end of the sentence: its left-hand side.
    assert line[0][1].startswith(".") and line[0][0] < xs[ARABIC_WORDS[-1]]

    # Mixed: right to left, with "UN Charter" inside in its own order.
    line = _line_of(placed, "تنص")
    xs = {t: x for x, t in line}
    assert xs["تنص"] > xs["UN Charter"] > xs["ذلك"]
    assert xs["تنص"] > PAGE_RIGHT - 40

    # English with an Arabic word: left to right from the left margin.
    english = next(p for p in placed if p[3].startswith("States strengthen"))
    assert abs(english[1] - PAGE_LEFT) < 1


def test_pdf_redline_marks_the_whole_arabic_word(secretariat):
    document, _, arabic, _ = arabic_document(secretariat)
    version = Version(
        document=document, name="Draft 1", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat)
    version.save()
    practice = Practice.objects.get(pk=arabic.pk)
    practice.body = f"{ARABIC}\n\n{REVOWELLED}\n\n{MIXED}"
    stamp(practice, by=secretariat)
    practice.save()
    model = build(document, redline_from=points.of_version(version))
    source = pdf.source(model)
    # The changed unit is the word, so the typesetter shapes (joins) each version whole.
    assert "#del[كَتَبَ]#ins[كَتُبَ] الوفد النص" in source
    assert '#[#set text(dir: rtl, lang: "ar")\n#del[كَتَبَ]' in source
    placed = _placed_words(render(model, "pdf").content)
    line = _line_of(placed, "الوفد")
    assert line[-1][0] > PAGE_RIGHT - 60  # still against the right margin
