"""PDF export: the export model as Typst markup, typeset by the `typst` package.

Security: no user text reaches Typst as code. Every piece of it goes through
``escape()``, which backslash-escapes every ASCII punctuation character (so
``#``, ``[``, ``$``, ``\\``, ``<``, ``@``, ``=``, ``*``, ``/``… print as
themselves and no markup, shorthand, comment or auto-link can start), or, for
URLs and inline code, through ``string()``, a Typst string literal. The only
Typst code in the source is written here. As a second wall the compiler runs
with an empty directory as its root and package paths, so even a bug in the
escaping could not read a file, and without system fonts, so output does not
depend on the machine.

Fonts: Libertinus Serif (bundled with Typst) for Latin text, French included;
Amiri (SIL Open Font License, shipped in ``export/fonts``) for Arabic, which
Typst picks per character by fallback; DejaVu Sans Mono (bundled) for code.
"""

from __future__ import annotations

import re
import tempfile
import threading
from functools import cache
from pathlib import Path

import typst

from drafting.export import markup
from drafting.export.snapshot import ExportDocument, ExportPractice, ExportSection

CONTENT_TYPE = "application/pdf"
EXTENSION = "pdf"
FONTS = Path(__file__).resolve().parent / "fonts"

# Backslash before every ASCII punctuation character: always a literal in Typst markup.
_ESCAPES = str.maketrans(
    {c: "\\" + c for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"} | {"\n": " ", "\r": " ", "\t": " "}
)
# A word this long would run into the margin; give the line breaker places to break.
_LONG_WORD = re.compile(r"\S{36,}")
_ZWSP = "\u200b"


def escape(value: str) -> str:
    """User text as Typst markup that prints exactly that text."""
    if len(value) > 35 and _LONG_WORD.search(value):
        value = _LONG_WORD.sub(_breakable, value)
    return value.translate(_ESCAPES)


def _breakable(match: re.Match) -> str:
    word = match.group()
    # After a slash or every 24 characters, whichever comes first.
    out, run = [], 0
    for ch in word:
        out.append(ch)
        run += 1
        if ch in "/-_?&=" or run >= 24:
            out.append(_ZWSP)
            run = 0
    return "".join(out)


def string(value: str) -> str:
    """A Typst string literal holding ``value``."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


PREAMBLE = r"""
#let ins(body) = text(fill: rgb("#0a6b2b"), underline(offset: 2pt, body))
#let del(body) = text(fill: rgb("#b3261e"), strike(body))
#let flag(body) = box(inset: (x: 3pt, y: 1pt), radius: 2pt, fill: rgb("#fff3c4"),
  text(size: 8.5pt, weight: "bold", fill: rgb("#6b4e00"), body))
#set document(title: TITLE)
#set text(font: ("Libertinus Serif", "Amiri"), size: 11pt, lang: "en", fallback: true)
#set par(justify: true, leading: 0.62em, spacing: 0.9em)
#show raw: set text(font: "DejaVu Sans Mono", size: 9pt)
#show link: set text(fill: rgb("#1f4e9a"))
#set list(indent: 1em)
#set enum(indent: 1em)
#set footnote.entry(separator: line(length: 30%, stroke: 0.5pt))
#show heading.where(level: 1): it => {
  pagebreak(weak: true)
  set text(size: 17pt, weight: "bold")
  block(above: 0pt, below: 1.2em, it.body)
}
#show heading.where(level: 2): it => block(above: 1.5em, below: 0.5em, sticky: true,
  text(size: 11pt, weight: "bold", fill: rgb("#444444"), it.body))
#set page(
  paper: "a4",
  margin: (x: 2.4cm, top: 2.7cm, bottom: 2.5cm),
  header: context {
    if counter(page).get().first() > 1 {
      set text(size: 8.5pt, fill: luma(90))
      HEADER_LEFT
      h(1fr)
      HEADER_RIGHT
      v(-0.6em)
      line(length: 100%, stroke: 0.4pt + luma(160))
    }
  },
  footer: context {
    if counter(page).get().first() > 1 {
      set text(size: 9pt, fill: luma(70))
      align(center, counter(page).display("1"))
    }
  },
  BACKGROUND
)
"""

WATERMARK = (
    'background: rotate(-50deg, text(size: 120pt, weight: "bold", '
    "fill: rgb(200, 30, 30, 28))[DRAFT]),"
)


def render(doc: ExportDocument) -> bytes:
    return compile_source(source(doc))


def source(doc: ExportDocument) -> str:
    """The whole Typst source for ``doc``."""
    out: list[str] = []
    w = out.append
    cover = doc.cover
    header_right = "[DRAFT]" if doc.draft else ("[REDLINE]" if doc.redline else "[]")
    w(
        PREAMBLE.replace("TITLE", string(cover.title))
        .replace("HEADER_LEFT", f"[{escape(cover.short_title)}]")
        .replace("HEADER_RIGHT", header_right)
        .replace("BACKGROUND", WATERMARK if doc.draft else "")
    )
    _cover(doc, w)
    w("#outline(title: [Contents], depth: 1, indent: 0pt)\n#pagebreak()\n")
    notes = _Notes()
    intro = doc.introduction_rich()
    if not intro.empty:
        w("#heading(level: 1, outlined: true)[Introduction]\n")
        _rich(intro, "intro", w, notes)
    for section in doc.sections:
        _section(section, w, notes)
    return "".join(out)


def _cover(doc: ExportDocument, w) -> None:
    c = doc.cover
    w("#page(header: none, footer: none)[\n#set par(justify: false)\n#v(2.5cm)\n")
    w(f"#text(size: 12pt, fill: luma(70))[{escape(c.forum)}]\n\n")
    w(f'#v(0.6cm)\n#text(size: 24pt, weight: "bold")[{escape(c.title)}]\n\n')
    w('#v(0.3cm)\n#line(length: 35%, stroke: 1.5pt + rgb("#1f4e9a"))\n#v(0.5cm)\n')
    lines = []
    if c.initiative:
        lines.append(escape(c.initiative))
    if c.co_leads:
        lines.append("Co-led by " + escape(_and(c.co_leads)))
    if c.working_group:
        lines.append(escape(f"Working group: {c.working_group}"))
    if c.implementing_partner:
        lines.append("Implementing partner: " + escape(c.implementing_partner))
    for line in lines:
        w(f"#text(size: 12pt)[{line}]\n\n")
    if c.adoption:
        w(f'#v(0.5cm)\n#text(size: 12pt, style: "italic")[{escape(c.adoption)}]\n\n')
    w(f"#v(0.5cm)\n#text(size: 10pt, fill: luma(70))[{escape(doc.what)}]\n\n")
    if doc.redline:
        w(f"#text(size: 10pt)[{escape(doc.redline.summary)}] ")
        w("#text(size: 10pt)[Insertions are #ins[underlined], deletions #del[struck through].]\n\n")
    if doc.draft:
        _draft_box(doc, w)
    w("]\n")


def _draft_box(doc: ExportDocument, w) -> None:
    d = doc.draft
    w('#v(0.8cm)\n#block(width: 100%, inset: 10pt, stroke: 1pt + rgb("#b3261e"), radius: 3pt)[\n')
    w('#text(weight: "bold", fill: rgb("#b3261e"))[DRAFT] — ')
    w(f"{escape(f'document status: {d.status.lower()}. Not for adoption.')}\n\n")
    if d.unapproved:
        w("#text(size: 10pt)[*Sections not yet approved:*]\n")
        w("#text(size: 10pt)[#list(" + ", ".join(f"[{escape(s)}]" for s in d.unapproved) + ")]\n")
    else:
        w("#text(size: 10pt)[All sections are approved.]\n\n")
    if d.amendments:
        w("#text(size: 10pt)[*Open amendments:*]\n")
        w("#text(size: 10pt)[#list(" + ", ".join(f"[{escape(a)}]" for a in d.amendments) + ")]\n")
    else:
        w("#text(size: 10pt)[No amendment is open.]\n")
    w("]\n")


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _section(section: ExportSection, w, notes: _Notes) -> None:
    w(f"#heading(level: 1)[{_inlines(section.title_inlines(), notes, section.key)}]\n")
    if section.change or section.moved:
        w(f"#flag[{escape(_flag_text(section.change, section.moved, section.note))}]\n\n")
    _rich(section.introduction_rich(), section.key, w, notes)
    for practice in section.practices:
        _practice(practice, w, notes)


def _practice(practice: ExportPractice, w, notes: _Notes) -> None:
    label = escape(practice.label)
    if practice.change == "deleted":
        label = f"#del[{label}]"
    w(f"#heading(level: 2, outlined: false)[{label}]\n")
    if practice.change or practice.moved:
        w(f"#flag[{escape(_flag_text(practice.change, practice.moved, practice.note))}]\n\n")
    w(f"#strong[{_inlines(practice.heading_inlines(), notes, practice.key)}]\n\n")
    _rich(practice.body_rich(), practice.key, w, notes)


def _flag_text(change: str | None, moved: bool, note: str) -> str:
    words = [w for w in [change, "moved" if moved else None] if w]
    return " · ".join(x.upper() for x in words) + (f" — {note}" if note else "")


class _Notes:
    """Footnotes being typeset: the text they belong to and a label for repeated references."""

    def __init__(self) -> None:
        self.rich: markup.Rich | None = None
        self.key = ""


def _rich(rich: markup.Rich, key: str, w, notes: _Notes) -> None:
    if rich.empty:
        return
    notes.rich, notes.key = rich, key
    for block in rich.blocks:
        w(_block(block, notes))
        w("\n\n")


def _block(block: markup.Block, notes: _Notes) -> str:
    if isinstance(block, markup.Para):
        return _inlines(block.inlines, notes, notes.key)
    if isinstance(block, markup.ListBlock):
        items = "".join(f"[{_blocks(item, notes)}]" for item in block.items)
        if block.ordered:
            return f"#enum(start: {int(block.start)}){items}"
        return f"#list{items}"
    return f"#quote(block: true)[{_blocks(block.blocks, notes)}]"


def _blocks(blocks: tuple[markup.Block, ...], notes: _Notes) -> str:
    return "\n\n".join(_block(b, notes) for b in blocks)


def _inlines(inlines: tuple[markup.Inline, ...], notes: _Notes, key: str) -> str:
    parts: list[str] = []
    for node in inlines:
        if isinstance(node, markup.Text):
            parts.append(escape(node.text))
        elif isinstance(node, markup.Span):
            name = {"em": "emph", "strong": "strong", "ins": "ins", "del": "del"}[node.kind]
            parts.append(f"#{name}[{_inlines(node.children, notes, key)}]")
        elif isinstance(node, markup.Link):
            parts.append(f"#link({string(node.href)})[{_inlines(node.children, notes, key)}]")
        elif isinstance(node, markup.Code):
            parts.append(f"#raw({string(node.text)})")
        elif isinstance(node, markup.Break):
            parts.append("#linebreak()" if node.hard else " ")
        elif isinstance(node, markup.NoteRef):
            parts.append(_footnote(node, notes, key))
    return "".join(parts)


def _footnote(ref: markup.NoteRef, notes: _Notes, key: str) -> str:
    label = f"fn-{key}-{ref.index}"
    if ref.repeat:
        return f"#footnote(<{label}>)"
    rich = notes.rich
    if rich is None or ref.index >= len(rich.notes):
        return ""
    body = _blocks(rich.notes[ref.index], notes)
    return f"#footnote[{body}]<{label}>"


@cache
def _sandbox() -> str:
    """An empty directory: the compiler's root and package paths, so nothing can be read."""
    return tempfile.mkdtemp(prefix="drafting-typst-")


_compiler_lock = threading.Lock()


@cache
def _compiler() -> typst.Compiler:
    sandbox = _sandbox()
    return typst.Compiler(
        root=sandbox,
        font_paths=[str(FONTS)],
        ignore_system_fonts=True,
        package_path=sandbox,
        package_cache_path=sandbox,
    )


def compile_source(src: str, *, format: str = "pdf", ppi: float | None = None):
    """Typeset Typst source. One compiler per process keeps fonts and caches warm."""
    with _compiler_lock:
        return _compiler().compile(input=src.encode(), format=format, ppi=ppi)
