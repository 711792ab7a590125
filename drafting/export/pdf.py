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

Robustness: no stored text can stop the PDF from being produced. Text is read
through ``text.parse()``, which flattens nesting beyond the text format's
limits (Typst gives up on quotes nested ~17 deep). Should the compiler still
refuse the document, each section and practice is tried on its own and the
ones that fail are typeset as plain text with a note (and logged), so one bad
practice cannot take the document's PDF, or any past version's, down with it.

Memory and time: the source is built here (it needs the database) and typeset
in a child process (``typesetter.py``) at lower CPU priority and with a time
limit, so the compiler's caches (1.5-2 GB for a large redline) leave with the
child and a web process's memory stays where it was.

Fonts: Libertinus Serif (bundled with Typst) for Latin text, French included;
Amiri (SIL Open Font License, shipped in ``export/fonts``) for Arabic, which
Typst picks per character by fallback; DejaVu Sans Mono (bundled) for code.

Right to left (issue 16): each paragraph, heading, lead, list and table cell whose
first strong letter is Arabic or Hebrew (``drafting.bidi``, the rule of every
writer) is set with ``text(dir: rtl, lang: …)`` (``_directed``): it runs from the
right margin, its full stop on the left, Latin words and numbers inside in their
own order. Footnote entries keep the page's left-hand number column.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Container, Iterator
from pathlib import Path

from django.conf import settings

from drafting import bidi
from drafting.export import markup, typesetter
from drafting.export.snapshot import DIGEST_LEAD, ExportDocument, ExportPractice, ExportSection
from drafting.export.typesetter import TypesetError

CONTENT_TYPE = "application/pdf"
EXTENSION = "pdf"
FONTS = Path(__file__).resolve().parent / "fonts"


class _Everything:
    def __contains__(self, key: object) -> bool:
        return True


ALL = _Everything()  # ``source(doc, plain=ALL)``: every text as plain text, the last resort

log = logging.getLogger(__name__)

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


def _directed(typst: str, plain: str) -> str:
    """``typst`` (the markup of one block) set right to left when ``plain``, its text, is.

    A set rule at the head of a content block, not ``text(dir: …)[…]`` inside the block:
    only then do the paragraph's and the block's own alignment (start) resolve to the
    right. ``lang`` is ours ("ar" or "he"), never user text."""
    lang = bidi.rtl_language(plain)
    if lang is None:
        return typst
    return f'#[#set text(dir: rtl, lang: "{lang}")\n{typst}]'


PREAMBLE = r"""
#let ins(body) = text(fill: rgb("#0a6b2b"), underline(offset: 2pt, body))
#let del(body) = text(fill: rgb("#b3261e"), strike(body))
#let flag(body) = block(sticky: true, box(inset: (x: 3pt, y: 1pt), radius: 2pt,
  fill: rgb("#fff3c4"), text(size: 8.5pt, weight: "bold", fill: rgb("#6b4e00"), body)))
// A practice's lead stays on the page of the text it introduces (as its label does).
#let lead(body) = block(sticky: true, strong(body))
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
)
"""


def render(doc: ExportDocument, *, waiting: Callable[[], None] | None = None) -> bytes:
    """The PDF of ``doc``, typeset in a child process (settings.EXPORT_TYPESET_IN_CHILD).

    Never fails because of what a text holds (see the module docstring).
    ``waiting`` is called about every second while the child works (a job's
    heartbeat). Raises TypesetError when the child is stopped: over the time
    limit (settings.EXPORT_TIMEOUT_SECONDS), killed, or out of memory.
    """
    if getattr(settings, "EXPORT_TYPESET_IN_CHILD", True):
        return typeset_in_child(plan(doc), waiting=waiting)
    return render_in_process(doc)


def render_in_process(doc: ExportDocument) -> bytes:
    """The PDF of ``doc`` typeset in this process: its Typst caches stay in this process."""
    return typesetter.typeset(plan(doc))


def plan(doc: ExportDocument) -> typesetter.Plan:
    """Everything the typesetter needs for ``doc``, as strings: each text formatted and plain."""
    preamble = _preamble(doc)
    head = [preamble]
    _cover(doc, head.append)
    head.append("#outline(title: [Contents], depth: 1, indent: 0pt)\n#pagebreak()\n")
    rich = dict(_texts(doc, ()))
    pieces = [typesetter.Piece(key, rich[key], fragment) for key, fragment in _texts(doc, ALL)]
    if doc.text_digest:
        line = digest_line(doc.text_digest)
        pieces.append(typesetter.Piece("digest", line, line))
    return typesetter.Plan(doc.slug, preamble, "".join(head), pieces, [str(FONTS)])


def child_command() -> list[str]:
    """The child's command line: this interpreter, isolated (-I: no script directory on the
    path, so the ``drafting`` package and its Django imports stay out), running typesetter.py."""
    niceness = int(getattr(settings, "EXPORT_NICE", 10))
    seconds = int(getattr(settings, "EXPORT_TIMEOUT_SECONDS", 300))
    return [sys.executable, "-I", typesetter.__file__, str(niceness), str(seconds)]


def typeset_in_child(plan: typesetter.Plan, *, waiting: Callable[[], None] | None = None) -> bytes:
    """Typeset ``plan`` in a fresh child process and return the PDF; the child then exits.

    Whatever memory the compiler takes goes back to the system with the child.
    Raises TypesetError (in plain words) if the child runs past
    settings.EXPORT_TIMEOUT_SECONDS (it is killed), is killed, or fails.
    """
    limit = float(getattr(settings, "EXPORT_TIMEOUT_SECONDS", 300))
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Files, not pipes: a 100 MB PDF cannot fill a pipe and stall the child.
        child = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
            child_command(), stdin=subprocess.PIPE, stdout=out, stderr=err
        )
        try:
            child.stdin.write(plan.to_json().encode())
            child.stdin.close()
        except BrokenPipeError:
            pass  # the child died before reading: its exit status says why
        while True:
            try:
                child.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() - started > limit:
                    child.kill()
                    child.wait()
                    raise TypesetError(
                        f"Typesetting took longer than {limit:.0f} seconds and was stopped."
                    ) from None
                if waiting is not None:
                    waiting()
        err.seek(0)
        messages = err.read().decode(errors="replace").strip()
        for line in messages.splitlines():
            log.error("PDF of %s (typesetter): %s", plan.name, line)
        if child.returncode < 0:
            name = signal.Signals(-child.returncode).name
            raise TypesetError(
                f"The typesetting process was stopped ({name})"
                + (" — probably out of memory." if name == "SIGKILL" else ".")
            )
        if child.returncode != 0:
            last = messages.splitlines()[-1] if messages else f"exit status {child.returncode}"
            raise TypesetError(f"The typesetter failed: {last}")
        out.seek(0)
        return out.read()


def source(doc: ExportDocument, *, plain: Container[str] = ()) -> str:
    """The whole Typst source for ``doc``; texts whose key is in ``plain`` are shown unformatted."""
    out: list[str] = [_preamble(doc)]
    _cover(doc, out.append)
    out.append("#outline(title: [Contents], depth: 1, indent: 0pt)\n#pagebreak()\n")
    out.extend(fragment for _, fragment in _texts(doc, plain))
    if doc.text_digest:
        out.append(digest_line(doc.text_digest))
    return "".join(out)


def digest_line(text_digest: str) -> str:
    """The closing line of an adoption package's PDF: the clean text's digest (our own
    hex string, still passed through ``string()`` so nothing in it can be Typst code)."""
    return (
        "#v(1.5em)\n#line(length: 100%, stroke: 0.4pt + luma(160))\n"
        f"#text(size: 9pt)[{escape(DIGEST_LEAD)}]\n\n"
        f"#text(size: 9pt)[#raw({string(text_digest)})]\n"
    )


def _preamble(doc: ExportDocument) -> str:
    cover = doc.cover
    # DRAFT stands in the header's right corner, bold and red, as in Word.
    mark = "DRAFT" if doc.draft else ("REDLINE" if doc.redline else "")
    header_right = f'text(weight: "bold", fill: rgb("#b3261e"))[{mark}]' if mark else "[]"
    return (
        PREAMBLE.replace("TITLE", string(cover.title))
        .replace("HEADER_LEFT", f"[{escape(cover.short_title)}]")
        .replace("HEADER_RIGHT", header_right)
    )


def _texts(doc: ExportDocument, plain: Container[str]) -> Iterator[tuple[str, str]]:
    """(key, Typst source) of each piece of user text, in document order.

    The pieces are independent (footnotes are resolved within one piece), so a
    piece that the compiler refuses can be found by compiling it alone.
    """
    intro = doc.introduction_rich()
    if not intro.empty:
        head = "#heading(level: 1, outlined: true)[Introduction]\n"
        if "intro" in plain:
            yield "intro", head + _plain(intro)
        else:
            yield "intro", head + _rich(intro, "intro")
    for section in doc.sections:
        if section.key in plain:
            yield section.key, _plain_section(section)
        else:
            yield section.key, _section(section)
        for practice in section.practices:
            if practice.key in plain:
                yield practice.key, _plain_practice(practice)
            else:
                yield practice.key, _practice(practice)


def _cover(doc: ExportDocument, w) -> None:
    c = doc.cover
    w("#page(header: none, footer: none)[\n#set par(justify: false)\n#v(2.5cm)\n")
    w(_directed(f"#text(size: 12pt, fill: luma(70))[{escape(c.forum)}]", c.forum) + "\n\n")
    if c.pretitle:
        pretitle = _directed(f"#text(size: 12pt)[{escape(c.pretitle)}]", c.pretitle)
        w(f"#v(0.3cm)\n{pretitle}\n\n")
    title = _directed(f'#text(size: 24pt, weight: "bold")[{escape(c.title)}]', c.title)
    w(f"#v(0.6cm)\n{title}\n\n")
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


def _section(section: ExportSection) -> str:
    notes = _Notes(section.key)
    title = section.title_inlines()
    heading = f"#heading(level: 1)[{_inlines(title, notes, section.key)}]"
    out = [_directed(heading, markup.plain_text(title)) + "\n"]
    if section.change or section.moved:
        out.append(f"#flag[{escape(_flag_text(section.change, section.moved, section.note))}]\n\n")
    out.append(_rich(section.introduction_rich(), section.key))
    return "".join(out)


def _practice(practice: ExportPractice) -> str:
    # The lead's footnotes are the first of the body's notes (markup.lead): one sequence.
    body = practice.body_rich()
    notes = _Notes(practice.key, body)
    out = [_practice_label(practice)]
    heading = practice.heading_inlines()
    lead = f"#lead[{_inlines(heading, notes, practice.key)}]"
    out.append(_directed(lead, markup.plain_text(heading)) + "\n\n")
    out.append(_rich(body, practice.key, notes))
    return "".join(out)


def _practice_label(practice: ExportPractice) -> str:
    label = escape(practice.label)
    if practice.change == "deleted":
        label = f"#del[{label}]"
    out = _directed(f"#heading(level: 2, outlined: false)[{label}]", practice.label) + "\n"
    if practice.change or practice.moved:
        out += f"#flag[{escape(_flag_text(practice.change, practice.moved, practice.note))}]\n\n"
    return out


def _flag_text(change: str | None, moved: bool, note: str) -> str:
    words = [w for w in [change, "moved" if moved else None] if w]
    return " · ".join(x.upper() for x in words) + (f" — {note}" if note else "")


class _Notes:
    """Footnotes of one text being typeset: its tree, its key, the notes already placed."""

    def __init__(self, key: str, rich: markup.Rich | None = None) -> None:
        self.rich = rich
        self.key = key
        self.placed: set[int] = set()


def _rich(rich: markup.Rich, key: str, notes: _Notes | None = None) -> str:
    if rich.empty:
        return ""
    notes = notes or _Notes(key, rich)
    return "".join(_block(block, notes) + "\n\n" for block in rich.blocks)


# A sub-item's hanging indent: the label's column, then the text (per level).
_SUB_INDENT = "2.2em"
_ALIGN = {"left": "left", "center": "center", "right": "right"}


def _block(block: markup.Block, notes: _Notes) -> str:
    if isinstance(block, markup.Para) and block.label:
        text = _inlines(block.inlines, notes, notes.key)
        pad = f"{_SUB_INDENT} * {max(block.level, 1) - 1}"
        return _directed(
            f"#pad(left: {pad}, grid(columns: ({_SUB_INDENT}, 1fr), "
            f"[{escape(block.label)}], [{text}]))",
            markup.plain_text(block.inlines),
        )
    if isinstance(block, markup.Para):
        text = _inlines(block.inlines, notes, notes.key)
        return _directed(text, markup.plain_text(block.inlines))
    if isinstance(block, markup.Table):
        return _table(block, notes)
    if isinstance(block, markup.ListBlock):
        items = "".join(f"[{_blocks(item, notes)}]" for item in block.items)
        # The list's markers stand on the side its first item starts from.
        first = _first_text(block)
        if block.ordered:
            return _directed(f"#enum(start: {int(block.start)}){items}", first)
        return _directed(f"#list{items}", first)
    return f"#quote(block: true)[{_blocks(block.blocks, notes)}]"


def _table(table: markup.Table, notes: _Notes) -> str:
    cols = max(table.columns, 1)

    def cells(row: tuple[tuple[markup.Inline, ...], ...], strong: bool = False) -> str:
        out = []
        for n in range(cols):
            inner = _inlines(row[n], notes, notes.key) if n < len(row) else ""
            inner = f"#strong[{inner}]" if strong and inner else inner
            lang = bidi.rtl_language(markup.plain_text(row[n])) if n < len(row) else None
            if lang and not (n < len(table.aligns) and table.aligns[n]):
                # A right-to-left cell of a column without an alignment of its own.
                inner = f'#align(right, text(dir: rtl, lang: "{lang}")[{inner}])'
            out.append(f"[{inner}]")
        return ", ".join(out)

    aligns = ", ".join(
        _ALIGN.get(table.aligns[n] if n < len(table.aligns) else "", "left") for n in range(cols)
    )
    parts = [f"columns: {cols}", f"align: ({aligns},)", "inset: 5pt", "stroke: 0.5pt + luma(140)"]
    if table.header:
        parts.append(f"table.header({cells(table.header, strong=True)})")
    parts.extend(cells(row) for row in table.rows if row)
    return "#block(width: 100%, text(size: 10pt, table(" + ", ".join(parts) + ")))"


def _first_text(block: markup.Block) -> str:
    """The text of the first paragraph in ``block`` (a list's first item), for its direction."""
    pending = [block]
    while pending:
        block = pending.pop()
        if isinstance(block, markup.Para):
            return markup.plain_text(block.inlines)
        if isinstance(block, markup.ListBlock):
            pending.extend(b for item in reversed(block.items) for b in reversed(item))
        elif isinstance(block, markup.Quote):
            pending.extend(reversed(block.blocks))
    return ""


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
    rich = notes.rich
    if rich is None or ref.index >= len(rich.notes):
        return ""
    # The first reference typeset carries the note, whatever the parser called it: a
    # note may first be referenced from inside another note that is never placed.
    if ref.index in notes.placed:
        return f"#footnote(<{label}>)"
    notes.placed.add(ref.index)
    body = _blocks(rich.notes[ref.index], notes)
    return f"#footnote[{body}]<{label}>"


# --- the last resort: a text as plain paragraphs ------------------------------

_PLAIN_NOTE = (
    '#text(size: 9pt, style: "italic", fill: luma(90))'
    "[This text could not be typeset with its formatting; it is shown as plain text.]\n\n"
)


def _plain(rich: markup.Rich) -> str:
    paragraphs = list(_plain_paragraphs(rich.blocks))
    for n, note in enumerate(rich.notes):
        paragraphs.extend(f"[{n + 1}] {p}" for p in _plain_paragraphs(note))
    return _PLAIN_NOTE + "".join(_directed(escape(p), p) + "\n\n" for p in paragraphs if p.strip())


def _plain_paragraphs(blocks: tuple[markup.Block, ...]) -> Iterator[str]:
    """The text of every paragraph, however deep, without recursion (the tree may be deep)."""
    pending = list(reversed(blocks))
    while pending:
        block = pending.pop()
        if isinstance(block, markup.Para):
            label = f"{block.label} " if block.label else ""
            yield label + markup.plain_text(block.inlines)
        elif isinstance(block, markup.Table):
            for row in (block.header, *block.rows):
                yield " | ".join(markup.plain_text(cell) for cell in row)
        elif isinstance(block, markup.ListBlock):
            pending.extend(b for item in reversed(block.items) for b in reversed(item))
        else:
            pending.extend(reversed(block.blocks))


def _plain_section(section: ExportSection) -> str:
    title = markup.plain_text(section.title_inlines())
    heading = _directed(f"#heading(level: 1)[{escape(title)}]", title)
    return heading + "\n" + _plain(section.introduction_rich())


def _plain_practice(practice: ExportPractice) -> str:
    heading = markup.plain_text(practice.heading_inlines())
    lead = _directed(f"#strong[{escape(heading)}]", heading)
    return _practice_label(practice) + lead + "\n\n" + _plain(practice.body_rich())


def compile_source(src: str, *, format: str = "pdf", ppi: float | None = None):
    """Typeset Typst source in this process, in the sandbox, with the bundled fonts."""
    return typesetter.compile_source(src, font_paths=[str(FONTS)], format=format, ppi=ppi)
