"""The typesetter runs no user text: Typst code typed anywhere prints as itself.

User text reaches Typst in titles, introductions, practice headings, bodies and
footnotes; each of those gets every payload, and the PDF's own text must show
it literally (what the document page shows), with no file read and no setting
changed.
"""

from __future__ import annotations

import html
import io

import pytest
from pypdf import PdfReader

from drafting import text
from drafting.export import build, export, pdf
from tests.conftest import make_document, make_practice, make_section
from tests.test_export import pdf_text, squash

PAYLOADS = [
    '#read("/etc/passwd")',
    '#import "@preview/cetz:0.2.2": *',
    "#set page(fill: red)",
    "#set text(size: 1pt)",
    "#{ let x = 1; x }",
    '#eval("1 + 1")',
    "]]] unbalanced [[[ brackets ]",
    "back\\slash \\ and \\\\ double",
    "$x^2 + y$ math",
    "<label> and @reference",
    "// line comment and /* block",
    "= not a heading",
    "- not a list + neither",
    'smart "quotes" and it\'s',
    "https://example.org/auto-link",
    "`raw` and ```block```",
    "~ nbsp -- dash --- em ... ellipsis",
    "\\u{41} unicode escape",
]


def _page_text(source: str) -> str:
    """What the document page shows for ``source`` (Markdown applied), as plain text."""
    return html.unescape(text.plain(source))


@pytest.fixture
def hostile(secretariat):
    document = make_document(
        by=secretariat,
        sections=0,
        title="Title " + PAYLOADS[0],
        short_title="#set page(fill: red)",
        forum="Forum ]#[",
        initiative='#read("/etc/hostname")',
        introduction="Intro " + PAYLOADS[8],
    )
    for n, payload in enumerate(PAYLOADS):
        section = make_section(
            document, by=secretariat, title=f"S{n} {payload}", introduction=f"I{n} {payload}"
        )
        make_practice(
            section,
            by=secretariat,
            heading=f"H{n} {payload}",
            body=f"B{n} {payload}[^1]\n\n[^1]: F{n} {payload}",
        )
    return document


def test_typst_code_in_every_field_prints_literally(hostile):
    content = export(hostile, "pdf").content
    printed = squash(pdf_text(content))
    for n, payload in enumerate(PAYLOADS):
        # Titles and headings are plain text: exactly what was typed.
        assert squash(f"S{n} {payload}") in printed, payload
        assert squash(f"H{n} {payload}") in printed, payload
        # Bodies, introductions and footnotes are Markdown: what the page shows.
        for prefix in ("B", "I", "F"):
            shown = _page_text(f"{prefix}{n} {payload}")
            assert squash(shown) in printed, (prefix, payload, shown)
    assert squash('#read("/etc/hostname")') in printed
    assert "root:x:0:0" not in printed


def test_typst_payloads_change_no_setting(hostile):
    reader = PdfReader(io.BytesIO(export(hostile, "pdf").content))
    # A "#set page(...)" or "#set text(size: 1pt)" that ran would change every page after it.
    assert {tuple(round(float(x)) for x in page.mediabox[2:]) for page in reader.pages} == {
        (595, 842)
    }
    assert len(reader.pages) > len(PAYLOADS)  # every section still starts a page


def test_generated_typst_has_no_unescaped_user_code(hostile):
    source = pdf.source(build(hostile))
    # The PDF's metadata title is a Typst string literal, where "#" is just a character.
    title_line = next(line for line in source.splitlines() if line.startswith("#set document("))
    assert title_line == '#set document(title: "Title #read(\\"/etc/passwd\\")")'
    source = source.replace(title_line, "")
    # Every "#" a user typed arrives as "\\#", which Typst prints instead of running.
    for code in ["#read", "#import", "#set page(fill", "#eval", "#{"]:
        assert source.count(code) == source.count("\\" + code), code
    assert '\\#read\\(\\"\\/etc\\/passwd\\"\\)' in source


def test_escape_covers_every_markup_character():
    special = "\\#$*_`<>@[]=-+/~'\":."
    escaped = pdf.escape(special)
    assert escaped == "".join("\\" + c for c in special)
    # Compiled, it prints the same characters back.
    out = pdf.compile_source(f"#set page(width: 20cm, height: 3cm)\n{escaped}")
    assert squash(special) in squash(pdf_text(out))


def test_compiler_cannot_read_files_even_from_its_own_source():
    # Defence in depth: were escaping ever bypassed, the sandboxed root refuses the read.
    with pytest.raises(Exception, match="(?i)(access|not found|failed|denied|root)"):
        pdf.compile_source('#read("/etc/passwd")')
