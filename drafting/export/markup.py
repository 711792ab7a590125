"""User text as a small format-neutral tree, for the exports that typeset it themselves.

The PDF (Typst), Word and Markdown writers walk this tree instead of HTML. It
is built from ``text.parse()``, the token stream of the one renderer the pages
use, so an export interprets exactly what a page interprets: paragraphs,
bullet and numbered lists, block quotes, emphasis, links, inline code,
footnotes (a practice's lead sentence may refer to notes its body defines:
``practice()``), pipe tables (``Table``), labelled sub-items "(a)"/"(i)" (a
``Para`` with a ``label`` and ``level``), and square brackets, printed
"[should (US, MA)]" (drafting/brackets.py).
Everything else a user typed (``# heading``, raw HTML, images,
dangling ``[^9]`` references) is plain text here as it is on the page, and
nesting beyond the text format's limits (drafting/text.py) arrives flattened.

Redlines are trees too: ``redline()`` turns diff.segments() of two Markdown
sources into paragraphs of equal / inserted / deleted runs.

Trees are immutable and memoised by source text, so a practice parsed for one
format is free for the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from drafting import brackets, diff, text

_SAFE_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class Span:
    """Styled inline content; ``ins``/``del`` are the marks of a redline."""

    kind: Literal["em", "strong", "ins", "del"]
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class NoteRef:
    """A footnote reference: ``index`` into ``Rich.notes``; ``repeat`` for a second reference."""

    index: int
    repeat: bool = False


@dataclass(frozen=True, slots=True)
class Break:
    hard: bool = False


Inline = Text | Code | Span | Link | NoteRef | Break


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph; in a redline, ``mark`` says whether its end (the paragraph mark, where
    a paragraph was split or two were joined) was inserted ("ins") or deleted ("del")."""

    inlines: tuple[Inline, ...]
    mark: Literal["", "ins", "del"] = ""
    # A labelled sub-item ("(a)", level 1; "(i)", level 2): typeset with a hanging indent.
    label: str = ""
    level: int = 0


@dataclass(frozen=True, slots=True)
class Table:
    """A pipe table: its header row, its body rows (cells are inline content), and each
    column's alignment ("", "left", "center" or "right")."""

    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    aligns: tuple[str, ...] = ()

    @property
    def columns(self) -> int:
        return max([len(self.header), *(len(r) for r in self.rows)])


@dataclass(frozen=True, slots=True)
class ListBlock:
    ordered: bool
    start: int
    items: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True, slots=True)
class Quote:
    blocks: tuple[Block, ...]


Block = Para | ListBlock | Quote | Table


@dataclass(frozen=True, slots=True)
class Rich:
    """A parsed text: its blocks, and its footnotes in order of first reference."""

    blocks: tuple[Block, ...]
    notes: tuple[tuple[Block, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.blocks


EMPTY = Rich(())


@lru_cache(maxsize=16384)
def parse(source: str | None, lead: str | None = None) -> Rich:
    """The tree of a user's Markdown text; with ``lead``, the notes it refers to first."""
    if not source or not source.strip():
        return EMPTY
    tokens = text.parse(source, lead)
    body_end = next(
        (i for i, t in enumerate(tokens) if t.type == "footnote_block_open"), len(tokens)
    )
    blocks, _ = _blocks(tokens, 0, body_end)
    notes: list[tuple[Block, ...]] = []
    i = body_end
    while i < len(tokens):
        if tokens[i].type == "footnote_open":
            end = _closing(tokens, i)
            note, _ = _blocks(tokens, i + 1, end)
            notes.append(tuple(note))
            i = end
        i += 1
    return Rich(tuple(blocks), tuple(notes))


def _closing(tokens: list, i: int) -> int:
    """Index of the token closing the block opened at ``i``."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _blocks(tokens: list, i: int, end: int) -> tuple[list[Block], int]:
    out: list[Block] = []
    while i < end:
        tok = tokens[i]
        kind = tok.type
        if kind == "paragraph_open":
            close = _closing(tokens, i)
            inline = next((t for t in tokens[i:close] if t.type == "inline"), None)
            label, level = (tok.meta or {}).get("sub_item", ("", 0))
            out.append(Para(_inlines(inline.children or []) if inline else (), "", label, level))
            i = close + 1
        elif kind == "table_open":
            close = _closing(tokens, i)
            out.append(_table(tokens, i, close))
            i = close + 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            close = _closing(tokens, i)
            items = []
            j = i + 1
            while j < close:
                if tokens[j].type == "list_item_open":
                    item_close = _closing(tokens, j)
                    item, _ = _blocks(tokens, j + 1, item_close)
                    items.append(tuple(item))
                    j = item_close
                j += 1
            start = int(tok.attrs.get("start", 1)) if kind == "ordered_list_open" else 1
            out.append(ListBlock(kind == "ordered_list_open", start, tuple(items)))
            i = close + 1
        elif kind == "blockquote_open":
            close = _closing(tokens, i)
            inner, _ = _blocks(tokens, i + 1, close)
            out.append(Quote(tuple(inner)))
            i = close + 1
        elif kind == "inline":
            # Tight list items carry their inline content without a paragraph.
            out.append(Para(_inlines(tok.children or [])))
            i += 1
        else:
            # footnote_anchor and anything the renderer disables: nothing to typeset.
            i += 1
    return out, i


def _table(tokens: list, i: int, close: int) -> Table:
    header: list[tuple[Inline, ...]] = []
    rows: list[tuple[tuple[Inline, ...], ...]] = []
    aligns: list[str] = []
    row: list[tuple[Inline, ...]] = []
    in_head = False
    for tok in tokens[i:close]:
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(tuple(row))
        elif tok.type == "th_open":
            aligns.append(str(tok.attrs.get("class", "")).removeprefix("align-"))
        elif tok.type == "inline":
            row.append(_inlines(tok.children or []))
    return Table(tuple(header), tuple(rows), tuple(aligns))


def _inlines(children: list) -> tuple[Inline, ...]:
    stack: list[tuple[str, str, list[Inline]]] = [("root", "", [])]
    for tok in children:
        kind = tok.type
        top = stack[-1][2]
        if kind == "text":
            _add_text(top, tok.content)
        elif kind == "code_inline":
            top.append(Code(tok.content))
        elif kind == "softbreak":
            top.append(Break(hard=False))
        elif kind == "hardbreak":
            top.append(Break(hard=True))
        elif kind in ("em_open", "strong_open"):
            stack.append((kind[:-5], "", []))
        elif kind == "link_open":
            stack.append(("link", str(tok.attrs.get("href", "")), []))
        elif kind in ("em_close", "strong_close", "link_close") and len(stack) > 1:
            name, href, inner = stack.pop()
            parent = stack[-1][2]
            if name == "link":
                if _safe_href(href):
                    parent.append(Link(href, tuple(inner)))
                else:
                    parent.extend(inner)
            else:
                parent.append(Span(name, tuple(inner)))  # type: ignore[arg-type]
        elif kind == "footnote_ref":
            top.append(NoteRef(int(tok.meta["id"]), repeat=int(tok.meta.get("subId", 0)) > 0))
        elif kind == "sub_label":
            continue  # the paragraph carries its label (Para.label)
        elif tok.content:
            _add_text(top, tok.content)
    while len(stack) > 1:  # unbalanced input: keep the text
        _, _, inner = stack.pop()
        stack[-1][2].extend(inner)
    return tuple(stack[0][2])


def _add_text(out: list[Inline], value: str) -> None:
    if out and isinstance(out[-1], Text):
        out[-1] = Text(out[-1].text + value)
    else:
        out.append(Text(value))


def _safe_href(href: str) -> bool:
    try:
        return urlsplit(href).scheme.lower() in _SAFE_SCHEMES
    except ValueError:
        return False


def with_notes(rich: Rich, notes: list[tuple[str, str]] | tuple = ()) -> Rich:
    """``rich`` with further footnotes referenced at the end of its text.

    Each note is (a lead in the application's words, a user's Markdown statement):
    the lead is plain text, never read as Markdown. Used for reservations on the
    record ("The delegation of X reserves its position on this practice: …").
    """
    if not notes:
        return rich
    refs = tuple(NoteRef(len(rich.notes) + i) for i in range(len(notes)))
    added = []
    for lead, statement in notes:
        # A note holds no references to notes (the action refuses them in statements).
        parsed = tuple(_without_refs(b) for b in parse(statement).blocks)
        first = parsed[0] if parsed and isinstance(parsed[0], Para) else None
        opening = Para((Text(lead), *(first.inlines if first else ())))
        added.append((opening, *(parsed[1:] if first else parsed)))
    blocks = list(rich.blocks)
    if blocks and isinstance(blocks[-1], Para):
        blocks[-1] = Para((*blocks[-1].inlines, *refs))
    else:
        blocks.append(Para(refs))
    return Rich(tuple(blocks), (*rich.notes, *added))


def _without_refs(block: Block) -> Block:
    def inlines(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
        out: list[Inline] = []
        for node in nodes:
            if isinstance(node, Span):
                out.append(Span(node.kind, inlines(node.children)))
            elif isinstance(node, Link):
                out.append(Link(node.href, inlines(node.children)))
            elif not isinstance(node, NoteRef):
                out.append(node)
        return tuple(out)

    if isinstance(block, Para):
        return Para(inlines(block.inlines), block.mark, block.label, block.level)
    if isinstance(block, ListBlock):
        items = tuple(tuple(_without_refs(b) for b in item) for item in block.items)
        return ListBlock(block.ordered, block.start, items)
    if isinstance(block, Table):
        return Table(
            tuple(inlines(c) for c in block.header),
            tuple(tuple(inlines(c) for c in row) for row in block.rows),
            block.aligns,
        )
    return Quote(tuple(_without_refs(b) for b in block.blocks))


# --- redlines --------------------------------------------------------------

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def redline(
    old: str | None,
    new: str | None,
    old_lead: str | None = None,
    new_lead: str | None = None,
) -> Rich:
    """Word-level changes from ``old`` to ``new`` as paragraphs of marked runs.

    The comparison is of the Markdown source, as on the pages, so an emphasis mark
    that changed is shown as typed. Footnotes are compared as footnotes
    (diff.noted): a reference is a ``NoteRef`` and each note's text is its own
    redline, so the writers print real footnotes with the changes marked inside.
    ``old_lead``/``new_lead``: a practice's lead sentences (their notes come first).
    """
    if diff.has_notes(old, new):
        found = diff.noted(old_lead, old, new_lead, new)
        notes = tuple(_paragraphs(segs) for segs in found.notes)
        return Rich(_paragraphs(found.body), notes)
    # Square brackets compare in their printed form, as on the pages (diff.redline_html).
    return Rich(_paragraphs(diff.segments(brackets.printed(old), brackets.printed(new))))


def _paragraphs(segs: list[diff.Segment]) -> tuple[Block, ...]:
    paragraphs: list[list[Inline]] = [[]]
    marks: list[str] = [""]
    for seg in segs:
        pieces = _PARAGRAPH_BREAK.split(seg.text)
        for n, piece in enumerate(pieces):
            if n:
                # The break that ends this paragraph was inserted (a split) or deleted (a join).
                marks[-1] = _MARKS.get(seg.kind, "")
                paragraphs.append([])
                marks.append("")
            if piece:
                paragraphs[-1].extend(_marked(seg.kind, _lines(piece)))
    return tuple(Para(tuple(p), m) for p, m in zip(paragraphs, marks, strict=True) if p)


_MARKS = {"insert": "ins", "delete": "del"}


def redline_inline(old: str | None, new: str | None) -> tuple[Inline, ...]:
    """One-line changes (a heading, a title): runs of equal / inserted / deleted text."""
    out: list[Inline] = []
    for seg in diff.segments(brackets.printed(old), brackets.printed(new)):
        out.extend(_marked(seg.kind, (Text(_WHITESPACE.sub(" ", seg.text)),)))
    return tuple(out)


def redline_lead(
    old: str | None, new: str | None, old_body: str | None, new_body: str | None
) -> tuple[Inline, ...]:
    """A lead sentence's changes, its footnote references as ``NoteRef`` into the notes of
    ``redline(old_body, new_body, old, new)``."""
    if not diff.has_notes(old, new):
        return redline_inline(old, new)
    out: list[Inline] = []
    for seg in diff.noted(old, old_body, new, new_body).lead:
        out.extend(_marked(seg.kind, _with_refs(_WHITESPACE.sub(" ", seg.text))))
    return tuple(out)


def lead(heading: str | None, body: str | None) -> tuple[Inline, ...]:
    """A practice's lead sentence: plain text but for its square brackets (printed
    "[should (US, MA)]") and its footnote references, ``NoteRef`` into ``parse(body, heading)``."""
    labels = text.lead_labels(heading, body)
    if not labels:
        return (Text(brackets.printed(heading)),)
    index = {label: n for n, label in enumerate(labels)}

    def ref(m: re.Match) -> str:
        n = index.get(m["label"])
        return m.group() if n is None else chr(_NOTE_BASE + n)

    return _with_refs(brackets.printed(text.NOTE_REF.sub(ref, heading or "")))


_NOTE_BASE = 0xF0000  # as diff.note_index reads them
_NOTE_CHAR = re.compile("([\U000f0000-\U000fffff])")


def _with_refs(value: str) -> tuple[Inline, ...]:
    """Text in which private-use characters stand for footnote references (diff.note_index)."""
    if not _NOTE_CHAR.search(value):
        return (Text(value),) if value else ()
    out: list[Inline] = []
    for n, piece in enumerate(_NOTE_CHAR.split(value)):
        if n % 2:
            out.append(NoteRef(diff.note_index(piece)))
        elif piece:
            out.append(Text(piece))
    return tuple(out)


def _lines(piece: str) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for n, line in enumerate(piece.split("\n")):
        if n:
            out.append(Break(hard=True))
        if line:
            out.extend(_with_refs(line))
    return tuple(out)


def _marked(kind: str, inlines: tuple[Inline, ...]) -> tuple[Inline, ...]:
    if kind == "insert":
        return (Span("ins", inlines),)
    if kind == "delete":
        return (Span("del", inlines),)
    return inlines


def whole(kind: Literal["ins", "del"], rich: Rich) -> Rich:
    """A text wholly inserted or deleted (an added or deleted practice), marks on every run."""
    return Rich(
        tuple(_mark_block(kind, b) for b in rich.blocks),
        tuple(tuple(_mark_block(kind, b) for b in note) for note in rich.notes),
    )


def _mark_block(kind: Literal["ins", "del"], block: Block) -> Block:
    if isinstance(block, Para):
        inlines = (Span(kind, block.inlines),) if block.inlines else ()
        return Para(inlines, kind, block.label, block.level)
    if isinstance(block, Table):

        def cell(c: tuple[Inline, ...]) -> tuple[Inline, ...]:
            return (Span(kind, c),) if c else ()

        return Table(
            tuple(cell(c) for c in block.header),
            tuple(tuple(cell(c) for c in row) for row in block.rows),
            block.aligns,
        )
    if isinstance(block, ListBlock):
        return ListBlock(
            block.ordered,
            block.start,
            tuple(tuple(_mark_block(kind, b) for b in item) for item in block.items),
        )
    return Quote(tuple(_mark_block(kind, b) for b in block.blocks))


def plain_text(inlines: tuple[Inline, ...] | list[Inline]) -> str:
    """The visible text of inline content (for tests, outlines and file metadata)."""
    parts = []
    for node in inlines:
        if isinstance(node, Text | Code):
            parts.append(node.text)
        elif isinstance(node, Span | Link):
            parts.append(plain_text(node.children))
        elif isinstance(node, Break):
            parts.append(" ")
    return "".join(parts)
