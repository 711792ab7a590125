"""Markdown export: the export model as one CommonMark file (pandoc-friendly).

Written from the parsed text, not copied from the source, so the file means
what the page shows: a line a user began with ``#`` stays a paragraph,
footnotes are labelled with their numbers, continuous through the whole
document as the pages number them (``[^12]``), notes
hold no references to notes (a cycle of them hangs pandoc), and every
character that Markdown or pandoc would read as markup (emphasis, links,
``$math$``, ``@citations``, raw HTML, autolinks, entities) is backslash-escaped.
Inline code is fenced with a run of backticks longer than any inside it, so
no code span can end early and let what follows it out as markup. The title
block is single-quoted YAML holding escaped Markdown, because pandoc reads
metadata as Markdown too. Redlines use
CriticMarkup, the plain-text convention for tracked changes:
``{++inserted++}`` and ``{--deleted--}``.
"""

from __future__ import annotations

import re

from drafting.export import markup
from drafting.export.snapshot import ExportDocument, ExportPractice, ExportSection

CONTENT_TYPE = "text/markdown; charset=utf-8"
EXTENSION = "md"

_INLINE_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>~|^$@&"} | {"\r": " ", "\n": " "})
_URL_ESCAPES = str.maketrans({" ": "%20", "<": "%3C", ">": "%3E", "\n": "", "\r": ""})
_LINE_START = re.compile(r"^([ \t]*)([#>+=:-]|\d+[.)])", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")
# What YAML does not allow in a scalar (C0 and C1 controls but tab and NEL, DEL, non-characters).
_YAML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def escape(value: str) -> str:
    return value.translate(_INLINE_ESCAPES)


class _Numbers:
    """The next footnote number: a document numbers its notes through the whole text."""

    def __init__(self) -> None:
        self.next = 1

    def take(self, rich: markup.Rich) -> int:
        """The number of ``rich``'s first note; its notes are numbered on from it."""
        first = self.next
        self.next += len(rich.notes)
        return first


def render(doc: ExportDocument) -> bytes:
    numbers = _Numbers()
    out: list[str] = []
    w = out.append
    c = doc.cover
    w("---\n")
    w(f"title: {_yaml(c.title)}\n")
    w(f"subtitle: {_yaml(doc.what)}\n")
    w("---\n\n")
    lines = [c.pretitle, c.forum, c.initiative]
    if c.co_leads:
        lines.append("Co-led by " + _and(c.co_leads))
    if c.working_group:
        lines.append(f"Working group: {c.working_group}")
    if c.implementing_partner:
        lines.append(f"Implementing partner: {c.implementing_partner}")
    if c.adoption:
        lines.append(c.adoption)
    w("\\\n".join(_line(x) for x in lines if x) + "\n\n")
    if doc.redline:
        w(f"{_line(doc.redline.summary)} Insertions are marked {{++like this++}}, ")
        w("deletions {--like this--}.\n\n")
    if doc.draft:
        d = doc.draft
        w(f"> **DRAFT** — {_line(f'document status: {d.status.lower()}. Not for adoption.')}\n>\n")
        if d.unapproved:
            w("> Sections not yet approved:\n>\n")
            w("".join(f"> - {_line(s)}\n" for s in d.unapproved) + ">\n")
        else:
            w("> All sections are approved.\n>\n")
        if d.amendments:
            w("> Open amendments:\n>\n" + "".join(f"> - {_line(a)}\n" for a in d.amendments))
        else:
            w("> No amendment is open.\n")
        w("\n")
    intro = doc.introduction_rich()
    if not intro.empty:
        w("# Introduction\n\n")
        _rich(intro, numbers.take(intro), w)
    for section in doc.sections:
        _section(section, w, numbers)
    return "".join(out).rstrip("\n").encode() + b"\n"


def _yaml(value: str) -> str:
    """A single-quoted YAML scalar holding ``value`` as escaped Markdown.

    Single quotes, because in them a backslash is a plain character: pandoc reads
    the Markdown escape, and a reader that shows the block as text sees it too.
    """
    return "'" + _YAML_INVALID.sub("", escape(value)).replace("'", "''") + "'"


def code_span(value: str) -> str:
    """``value`` as a CommonMark code span that ends where it should.

    The fence is one backtick longer than the longest run inside, and a space
    pads a value that starts or ends with a backtick (or with a space at both
    ends, which the reader strips one of), so the reader gives back ``value``.
    """
    longest = max((len(run) for run in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    pad = value.startswith("`") or value.endswith("`")
    pad = pad or (value.startswith(" ") and value.endswith(" ") and value.strip(" ") != "")
    return f"{fence} {value} {fence}" if pad else f"{fence}{value}{fence}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _line(value: str) -> str:
    return _LINE_START.sub(r"\1\\\2", escape(value))


def _section(section: ExportSection, w, numbers: _Numbers) -> None:
    # A closing run of "#" would be read as part of the heading syntax.
    w(f"# {_inlines(section.title_inlines(), None, 0).replace('#', chr(92) + '#')}\n\n")
    if section.change or section.moved:
        w(f"*{_flag(section.change, section.moved, section.note)}*\n\n")
    intro = section.introduction_rich()
    _rich(intro, numbers.take(intro), w)
    for practice in section.practices:
        _practice(practice, w, numbers)


def _practice(practice: ExportPractice, w, numbers: _Numbers) -> None:
    label = practice.label
    if practice.change == "deleted":
        label = "{--" + escape(label) + "--}"
    w(f"## {label}\n\n")
    if practice.change or practice.moved:
        w(f"*{_flag(practice.change, practice.moved, practice.note)}*\n\n")
    # The lead's footnotes are the first of the body's notes (markup.lead).
    body = practice.body_rich()
    first = numbers.take(body)
    heading = _inlines(practice.heading_inlines(), body, first)
    w(f"**{heading}**\n\n")
    _rich(body, first, w)


def _flag(change: str | None, moved: bool, note: str) -> str:
    words = " · ".join(x.upper() for x in [change, "moved" if moved else None] if x)
    return escape(f"{words} — {note}" if note else words)


def _rich(rich: markup.Rich, first: int, w) -> None:
    """Write ``rich``; its notes are numbered from ``first``."""
    if rich.empty:
        return
    for block in rich.blocks:
        w(_block(block, rich, first, ""))
        w("\n\n")
    for n, note in enumerate(rich.notes):
        # Without the references a note makes to notes (as in Word): a note that refers
        # to itself, or two that refer to each other, hang pandoc's CommonMark readers.
        body = "\n\n".join(_block(b, None, first, "") for b in note)
        w(f"[^{first + n}]: " + body.replace("\n", "\n    ") + "\n\n")


def _block(block: markup.Block, rich, key: int, indent: str) -> str:
    if isinstance(block, markup.Para) and block.label:
        # "(a) text"; a deeper level is indented two spaces a level (drafting.text).
        text = _LINE_START.sub(r"\1\\\2", _inlines(block.inlines, rich, key))
        return "  " * (max(block.level, 1) - 1) + f"{block.label} {text}"
    if isinstance(block, markup.Para):
        return _LINE_START.sub(r"\1\\\2", _inlines(block.inlines, rich, key))
    if isinstance(block, markup.Table):
        return _table(block, rich, key)
    if isinstance(block, markup.ListBlock):
        items = []
        for n, item in enumerate(block.items):
            marker = f"{block.start + n}." if block.ordered else "-"
            pad = " " * (len(marker) + 1)
            inner = "\n\n".join(_block(b, rich, key, "") for b in item)
            items.append(marker + " " + inner.replace("\n", "\n" + pad))
        loose = any(len(item) > 1 for item in block.items)
        return ("\n\n" if loose else "\n").join(items)
    inner = "\n\n".join(_block(b, rich, key, "") for b in block.blocks)
    return "> " + inner.replace("\n", "\n> ")


def _table(table: markup.Table, rich, key: int) -> str:
    """A pipe table (``|`` in cells is escaped by ``escape``)."""
    cols = max(table.columns, 1)

    def line(row: tuple[tuple[markup.Inline, ...], ...]) -> str:
        cells = [
            _inlines(row[n], rich, key).replace("\n", " ") if n < len(row) else ""
            for n in range(cols)
        ]
        return "| " + " | ".join(cells) + " |"

    rule = {"left": ":---", "center": ":---:", "right": "---:"}
    aligns = [table.aligns[n] if n < len(table.aligns) else "" for n in range(cols)]
    lines = [line(table.header), "| " + " | ".join(rule.get(a, "---") for a in aligns) + " |"]
    return "\n".join(lines + [line(row) for row in table.rows])


def _inlines(inlines, rich, key: int) -> str:
    parts: list[str] = []
    for node in inlines:
        if isinstance(node, markup.Text):
            parts.append(escape(node.text))
        elif isinstance(node, markup.Span):
            inner = _inlines(node.children, rich, key)
            core = inner.strip()
            if not core:
                parts.append(inner)
                continue
            # Delimiters must touch the text for CommonMark to see them.
            lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()) :]
            left, right = {
                "em": ("*", "*"),
                "strong": ("**", "**"),
                "ins": ("{++", "++}"),
                "del": ("{--", "--}"),
            }[node.kind]
            parts.append(f"{lead}{left}{core}{right}{trail}")
        elif isinstance(node, markup.Link):
            href = node.href.translate(_URL_ESCAPES)
            parts.append(f"[{_inlines(node.children, rich, key)}](<{href}>)")
        elif isinstance(node, markup.Code):
            parts.append(code_span(node.text.replace("\r", " ").replace("\n", " ")))
        elif isinstance(node, markup.Break):
            parts.append("\\\n" if node.hard else "\n")
        elif isinstance(node, markup.NoteRef) and rich is not None:
            parts.append(f"[^{key + node.index}]")
    return "".join(parts)
