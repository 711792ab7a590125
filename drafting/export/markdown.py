"""Markdown export: the export model as one CommonMark file (pandoc-friendly).

Written from the parsed text, not copied from the source, so the file means
what the page shows: a line a user began with ``#`` stays a paragraph,
footnote labels are made unique across practices (``[^p12-1]``) and notes
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


def render(doc: ExportDocument) -> bytes:
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
        _rich(intro, "intro", w)
    for section in doc.sections:
        _section(section, w)
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


def _section(section: ExportSection, w) -> None:
    # A closing run of "#" would be read as part of the heading syntax.
    w(f"# {_inlines(section.title_inlines(), None, '').replace('#', chr(92) + '#')}\n\n")
    if section.change or section.moved:
        w(f"*{_flag(section.change, section.moved, section.note)}*\n\n")
    _rich(section.introduction_rich(), section.key, w)
    for practice in section.practices:
        _practice(practice, w)


def _practice(practice: ExportPractice, w) -> None:
    label = practice.label
    if practice.change == "deleted":
        label = "{--" + escape(label) + "--}"
    w(f"## {label}\n\n")
    if practice.change or practice.moved:
        w(f"*{_flag(practice.change, practice.moved, practice.note)}*\n\n")
    heading = _inlines(practice.heading_inlines(), None, practice.key)
    w(f"**{heading}**\n\n")
    _rich(practice.body_rich(), practice.key, w)


def _flag(change: str | None, moved: bool, note: str) -> str:
    words = " · ".join(x.upper() for x in [change, "moved" if moved else None] if x)
    return escape(f"{words} — {note}" if note else words)


def _rich(rich: markup.Rich, key: str, w) -> None:
    if rich.empty:
        return
    for block in rich.blocks:
        w(_block(block, rich, key, ""))
        w("\n\n")
    for n, note in enumerate(rich.notes):
        # Without the references a note makes to notes (as in Word): a note that refers
        # to itself, or two that refer to each other, hang pandoc's CommonMark readers.
        body = "\n\n".join(_block(b, None, key, "") for b in note)
        w(f"[^{key}-{n + 1}]: " + body.replace("\n", "\n    ") + "\n\n")


def _block(block: markup.Block, rich, key: str, indent: str) -> str:
    if isinstance(block, markup.Para):
        return _LINE_START.sub(r"\1\\\2", _inlines(block.inlines, rich, key))
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


def _inlines(inlines, rich, key: str) -> str:
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
            parts.append(f"[^{key}-{node.index + 1}]")
    return "".join(parts)
