"""Recognising a good-practices document in pandoc's AST.

Input: pandoc's JSON AST (tracked changes already resolved, drafting.imports.changes).
Output: an ``Imported`` document — pre-title, title, introduction, sections,
practices (label, lead, body paragraphs, (a)/(i) sub-items, tables, footnotes),
comments — with the Markdown each part is stored as, and ``warnings`` for
whatever could not be placed, each with its reason.

What counts as a label: the document's label term and a number ("Good
Practice 12", "Recommendation 3", "7 bis") standing as a heading, or typed in
bold at the start of a paragraph, alone or followed by ":"/"–" and the lead.
A paragraph that merely mentions a label ("Good Practice 4 applies ...", in
plain text) or a cross-reference in a footnote is text, not a new practice.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from drafting.imports.reader import Source, format_number
from drafting.numbering import SUFFIXES

KNOWN_TERMS = ("Good Practice", "Recommendation", "Principle", "Guideline", "Practice")
# "7 bis" … "7 vicies": the suffixes of the keep-numbers rule (drafting.numbering).
_SUFFIX = rf"(?:[\s\u00a0]+(?:{'|'.join(SUFFIXES)}))?"
_NOTES_HEADINGS = {"notes", "endnotes", "footnotes"}
_INTRO_HEADINGS = {"introduction", "preamble", "foreword", "background"}
_SECTION_NUMBER = re.compile(r"^(?P<num>[IVXLCDM]+|[A-Z]|\d+)[.)]\s+(?P<title>\S.*)$")
_TYPED_ITEM = re.compile(r"^\((?P<label>[a-z]{1,4}|[ivxlc]{1,6})\)\s*")
_ALIGN = {"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}
# A bullet typed before the text, as the Word export writes a bullet list's items.
_TYPED_BULLET = re.compile(r"^[\u2022\u25e6\u25aa]\s+")
_TYPED_NUMBER = re.compile(r"^(?P<n>\d{1,2})\.\s+")
_TYPED_NOTE = re.compile(r"^(?:\[(?P<a>\d+)\]|(?P<b>\d+))\s+")
_RULE = re.compile(r"^[_\-–—=*\s]{3,}$")
_ROMAN = {format_number(n, "lowerRoman") for n in range(1, 40)}
_WS = re.compile(r"[\s\u00a0]+")
NOTE_ID = "import-note-id"  # drafting.imports.changes.number_notes


def number_notes(ast: dict) -> dict:
    """A copy of ``ast`` whose footnotes keep the numbers they have with every change in.

    Comparing one author's changes with the text they change must not see every
    later footnote renumbered because that author deleted a practice with notes.
    """
    count = 0

    def walk(obj):
        nonlocal count
        if isinstance(obj, list):
            out = []
            for item in obj:
                if isinstance(item, dict) and item.get("t") == "Note":
                    n, count = count, count + 1
                    out.append({"t": "Span", "c": [["", [NOTE_ID], [["n", str(n)]]], [walk(item)]]})
                else:
                    out.append(walk(item))
            return out
        if isinstance(obj, dict):
            return {k: walk(v) for k, v in obj.items()}
        return obj

    return walk(ast)


def norm_space(text: str) -> str:
    """Runs of whitespace (non-breaking spaces included) as one space, trimmed."""
    return _WS.sub(" ", text).strip()


# ---- inline runs -----------------------------------------------------------------


@dataclass
class Run:
    """A piece of inline text with the formatting the importer keeps."""

    text: str = ""
    bold: bool = False
    italic: bool = False
    href: str | None = None
    note: int | None = None  # a footnote reference (the number the reader sees)


@dataclass
class Block:
    kind: str  # header, para, item, bullet, table
    runs: list[Run] = field(default_factory=list)
    level: int = 0
    label: str = ""  # a list item's number as Word or Markdown shows it: "(a)"
    rows: list[list[str]] = field(default_factory=list)  # a table's cells, header first
    comments: list[dict] = field(default_factory=list)
    cells: list[list[list[Run]]] = field(default_factory=list)  # rows' cells as runs
    aligns: list[str] = field(default_factory=list)  # a table's columns: "left", "right"…

    @property
    def text(self) -> str:
        return norm_space("".join(r.text for r in self.runs))

    @property
    def all_bold(self) -> bool:
        words = [r for r in self.runs if r.note is None and r.text.strip()]
        return bool(words) and all(r.bold for r in words)

    @property
    def starts_bold(self) -> bool:
        first = next((r for r in self.runs if r.note is None and r.text.strip()), None)
        return bool(first and first.bold)


@dataclass
class Footnote:
    number: int
    paragraphs: list[list[Run]]


def merge_runs(runs: list[Run]) -> list[Run]:
    """Neighbouring runs with the same formatting as one (pandoc gives one per word)."""
    out: list[Run] = []
    for r in runs:
        last = out[-1] if out else None
        if (
            last is not None
            and r.note is None
            and last.note is None
            and (last.bold, last.italic, last.href) == (r.bold, r.italic, r.href)
        ):
            out[-1] = Run(last.text + r.text, r.bold, r.italic, r.href)
        else:
            out.append(r)
    return out


class _Reader:
    """Walks pandoc's AST into Blocks, numbering footnotes as the reader sees them."""

    def __init__(self, source: Source):
        self.source = source
        self.notes: dict[int, Footnote] = {}
        self._next_note = 0
        labels = source.footnote_labels
        self._labels = [int(x) for x in labels] if all(x.isdigit() for x in labels) else []
        self._fixed: int | None = None

    def note_number(self) -> int:
        i = self._next_note
        self._next_note += 1
        if self._fixed is not None:  # numbered in the file with every change in it
            i, self._fixed = self._fixed, None
        if i < len(self._labels):
            return self._labels[i]
        return self.source.footnote_start + i

    def inlines(self, items, *, bold=False, italic=False, href=None, comments=None) -> list[Run]:
        out: list[Run] = []
        for el in items:
            t, c = el["t"], el.get("c")
            if t == "Str":
                out.append(Run(c, bold, italic, href))
            elif t in ("Space", "SoftBreak", "LineBreak"):
                out.append(Run(" ", bold, italic, href))
            elif t == "Strong":
                out += self.inlines(c, bold=True, italic=italic, href=href, comments=comments)
            elif t == "Emph":
                out += self.inlines(c, bold=bold, italic=True, href=href, comments=comments)
            elif t in ("Underline", "SmallCaps", "Strikeout", "Subscript"):
                out += self.inlines(c, bold=bold, italic=italic, href=href, comments=comments)
            elif t == "Superscript":
                digits = norm_space("".join(r.text for r in self.inlines(c)))
                if digits.isdigit():  # a typed footnote number, as after a paste from PDF
                    out.append(Run(note=int(digits)))
                else:
                    out += self.inlines(c, bold=bold, italic=italic, href=href, comments=comments)
            elif t == "Quoted":
                q = ("\u201c", "\u201d") if c[0]["t"] == "DoubleQuote" else ("\u2018", "\u2019")
                out.append(Run(q[0], bold, italic, href))
                out += self.inlines(c[1], bold=bold, italic=italic, href=href, comments=comments)
                out.append(Run(q[1], bold, italic, href))
            elif t == "Span":
                classes, attrs = c[0][1], dict(c[0][2])
                if NOTE_ID in classes:
                    self._fixed = int(attrs["n"])
                    out += self.inlines(
                        c[1], bold=bold, italic=italic, href=href, comments=comments
                    )
                    continue
                if "comment-start" in classes:
                    if comments is not None:
                        text = norm_space("".join(r.text for r in self.inlines(c[1])))
                        comments.append({"author": attrs.get("author", ""), "text": text})
                    continue
                if "comment-end" in classes:
                    continue
                out += self.inlines(c[1], bold=bold, italic=italic, href=href, comments=comments)
            elif t == "Link":
                out += self.inlines(c[1], bold=bold, italic=italic, href=c[2][0], comments=comments)
            elif t in ("Code", "Math"):
                out.append(Run(c[1] if t == "Code" else c[1], bold, italic, href))
            elif t == "Cite":
                out += self.inlines(c[1], bold=bold, italic=italic, href=href, comments=comments)
            elif t == "Note":
                number = self.note_number()
                paragraphs = []
                for b in self.blocks(c):
                    if b.kind == "table":  # a note holds paragraphs: a table's rows as lines
                        paragraphs += [[Run(" | ".join(row))] for row in b.rows if any(row)]
                    elif b.text:
                        paragraphs.append(b.runs)
                self.notes[number] = Footnote(number, paragraphs)
                out.append(Run(note=number))
            # Images, raw markup: nothing a reader of the text needs.
        return out

    def blocks(self, items, depth: int = 0) -> list[Block]:
        out: list[Block] = []
        for b in items:
            t, c = b["t"], b.get("c")
            if t == "Header":
                out.append(self._block("header", c[2], level=c[0]))
            elif t in ("Para", "Plain"):
                out.append(self._block("para", c))
            elif t == "LineBlock":
                for line in c:
                    out.append(self._block("para", line))
            elif t == "OrderedList":
                start, style, delim = c[0][0], c[0][1]["t"], c[0][2]["t"]
                for i, item in enumerate(c[1]):
                    label = _list_label(start + i, style, delim)
                    out += self._item(item, "item", depth + 1, label)
            elif t == "BulletList":
                for item in c:
                    out += self._item(item, "bullet", depth + 1, "-")
            elif t in ("BlockQuote",):
                out += self.blocks(c, depth)
            elif t == "CodeBlock":
                # Text indented by four spaces (Markdown) or in a code style: still text.
                for chunk in re.split(r"\n\s*\n", c[1]):
                    if chunk.strip():
                        out.append(Block("para", [Run(norm_space(chunk))]))
            elif t == "Div":
                out += self.blocks(c[1], depth)
            elif t == "Table":
                out.append(self._table(c))
            elif t == "DefinitionList":
                for term, defs in c:
                    out.append(self._block("para", term))
                    for d in defs:
                        out += self.blocks(d, depth)
        return out

    def _block(self, kind: str, inlines, **kw) -> Block:
        comments: list[dict] = []
        runs = merge_runs(self.inlines(inlines, comments=comments))
        return Block(kind, runs, comments=comments, **kw)

    def _item(self, item, kind: str, level: int, label: str) -> list[Block]:
        out: list[Block] = []
        first = True
        for b in item:
            if first and b["t"] in ("Para", "Plain"):
                out.append(self._block(kind, b["c"], level=level, label=label))
                first = False
            elif b["t"] in ("OrderedList", "BulletList"):
                out += self.blocks([b], level)
            else:
                out += self.blocks([b], level)
        if first:
            out.insert(0, Block(kind, [], level=level, label=label))
        return out

    def _table(self, c) -> Block:
        rows: list[list[str]] = []
        cells: list[list[list[Run]]] = []

        def cells_of(row) -> list[str]:
            texts, runs = [], []
            for cell in row[1]:
                inner = self.blocks(cell[4])
                texts.append(norm_space(" ".join(b.text for b in inner)))
                # Formatting and footnotes in a cell are kept (drafting.text allows both).
                joined: list[Run] = []
                for b in inner:
                    joined += ([Run(" ")] if joined else []) + b.runs
                runs.append(merge_runs(joined))
            cells.append(runs)
            return texts

        head, bodies, foot = c[3], c[4], c[5]
        for row in head[1]:
            rows.append(cells_of(row))
        # A header row is bold by being the header (Word's table style, our own export).
        cells[:] = [[[replace(r, bold=False) for r in cell] for cell in row] for row in cells]
        for body in bodies:
            for row in body[2] + body[3]:
                rows.append(cells_of(row))
        for row in foot[1]:
            rows.append(cells_of(row))
        aligns = [_ALIGN.get(spec[0]["t"], "") for spec in c[2]]
        return Block("table", rows=rows, cells=cells, aligns=aligns)


def _list_label(n: int, style: str, delim: str) -> str:
    fmt = {
        "LowerAlpha": "lowerLetter",
        "UpperAlpha": "upperLetter",
        "LowerRoman": "lowerRoman",
        "UpperRoman": "upperRoman",
    }.get(style, "decimal")
    number = format_number(n, fmt)
    if delim == "TwoParens":
        return f"({number})"
    if delim == "OneParen":
        return f"{number})"
    return f"{number}."


def _meta_text(reader: _Reader, meta: dict, key: str) -> str | None:
    value = meta.get(key)
    if not value:
        return None
    if value["t"] == "MetaInlines":
        return norm_space("".join(r.text for r in reader.inlines(value["c"])))
    if value["t"] == "MetaString":
        return norm_space(value["c"])
    if value["t"] == "MetaBlocks":
        return norm_space(" ".join(b.text for b in reader.blocks(value["c"])))
    return None


# ---- the recognised document --------------------------------------------------------


@dataclass
class SubItem:
    label: str
    level: int
    runs: list[Run]


@dataclass
class Part:
    """One piece of a practice's body, in order: a paragraph, a sub-item or a table."""

    kind: str  # paragraph, sub_item, table, bullet
    runs: list[Run] = field(default_factory=list)
    label: str = ""
    level: int = 1
    rows: list[list[str]] = field(default_factory=list)
    cells: list[list[list[Run]]] = field(default_factory=list)  # rows' cells as runs
    aligns: list[str] = field(default_factory=list)  # a table's columns' alignment


@dataclass
class ImportedPractice:
    label: str
    number: int | None
    section: int | None
    lead: list[Run] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    label_layout: str = ""
    source: list[str] = field(default_factory=list)  # the file's paragraphs it was read from


@dataclass
class ImportedSection:
    heading: str
    number: str | None
    title: str
    intro: list[Part] = field(default_factory=list)
    practices: int = 0


@dataclass
class Imported:
    """A document as recognised, before anything is saved."""

    source: str
    title: str = ""
    pretitle: str | None = None
    label_term: str = "Good Practice"
    intro_heading: str | None = None
    intro: list[Part] = field(default_factory=list)
    sections: list[ImportedSection] = field(default_factory=list)
    practices: list[ImportedPractice] = field(default_factory=list)
    notes: dict[int, Footnote] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    left_out: list[dict] = field(default_factory=list)  # {"text", "reason"}


def _label_pattern(term: str) -> re.Pattern:
    words = r"[\s\u00a0]+".join(re.escape(w) for w in term.split())
    return re.compile(
        rf"^(?P<label>{words}[\s\u00a0]+(?P<num>\d+){_SUFFIX})(?P<rest>\b.*)$",
        re.IGNORECASE | re.DOTALL,
    )


def _any_term() -> re.Pattern:
    terms = "|".join(r"[\s\u00a0]+".join(re.escape(w) for w in t.split()) for t in KNOWN_TERMS)
    return re.compile(rf"^(?P<term>{terms})[\s\u00a0]+\d+{_SUFFIX}\s*(?:$|[:.\u2013\u2014-])", re.I)


def _bold_prefix(block: Block) -> str:
    text = []
    for r in block.runs:
        if r.note is not None:
            break
        if r.text.strip() and not r.bold:
            break
        text.append(r.text)
    return norm_space("".join(text))


def guess_label_term(blocks: list[Block]) -> str:
    """The label term the document uses most often in headings or bold paragraph starts."""
    found: Counter[str] = Counter()
    pattern = _any_term()
    for b in blocks:
        candidate = b.text if b.kind == "header" else _bold_prefix(b) if b.kind == "para" else ""
        m = pattern.match(candidate)
        if m:
            term = norm_space(m.group("term"))
            found[next(t for t in KNOWN_TERMS if t.lower() == term.lower())] += 1
    return found.most_common(1)[0][0] if found else "Good Practice"


def _strip_prefix(runs: list[Run], chars: int) -> list[Run]:
    """``runs`` without their first ``chars`` characters of text."""
    out: list[Run] = []
    for r in runs:
        if chars <= 0 or r.note is not None:
            out.append(r)
            continue
        if len(r.text) <= chars:
            chars -= len(r.text)
            continue
        out.append(Run(r.text[chars:], r.bold, r.italic, r.href))
        chars = 0
    return out


def _lstrip(runs: list[Run], chars: str = " \t\u00a0") -> list[Run]:
    out = list(runs)
    while out and out[0].note is None and not out[0].text.strip(chars):
        out.pop(0)
    if out and out[0].note is None:
        first = out[0]
        out[0] = Run(first.text.lstrip(chars), first.bold, first.italic, first.href)
    return out


def _text(runs: list[Run]) -> str:
    return norm_space("".join(r.text for r in runs if r.note is None))


def _split_lead(runs: list[Run]) -> tuple[list[Run], list[Run]]:
    """(lead, rest): the leading bold runs and the footnote marks right after them."""
    runs = _lstrip(runs)
    i = 0
    while i < len(runs) and (runs[i].bold or runs[i].note is not None or not runs[i].text.strip()):
        if runs[i].note is None and runs[i].text.strip() and not runs[i].bold:
            break
        i += 1
    return runs[:i], _lstrip(runs[i:])


def recognise(source: Source, ast: dict, *, label_term: str | None = None) -> Imported:
    """Recognise title, introduction, sections and practices in ``ast`` (read from ``source``).

    ``label_term`` forces the term of practice labels ("Recommendation"); by
    default the term used most often in the file. Never raises on odd input:
    what cannot be placed is listed in ``left_out`` with the reason.
    """
    reader = _Reader(source)
    meta = ast.get("meta", {})
    doc = Imported(source=source.name, warnings=list(source.warnings))
    meta_title = _meta_text(reader, meta, "title")
    meta_subtitle = _meta_text(reader, meta, "subtitle")
    blocks = [b for b in reader.blocks(ast.get("blocks", [])) if b.kind == "table" or b.text]
    doc.label_term = label_term or guess_label_term(blocks)
    label_re = _label_pattern(doc.label_term)

    def label_of(b: Block) -> tuple[str, int | None, list[Run], str] | None:
        """(label, number, runs after the label, layout) if ``b`` is a practice label."""
        if b.kind == "header":
            m = label_re.match(b.text)
            if not m:
                return None
            rest = m.group("rest").lstrip(" :.\u2013\u2014-\u00a0")
            if rest and not re.match(r"^\s*[:.\u2013\u2014-]", m.group("rest")):
                return None  # a heading that mentions a label ("Good Practice 4 in context")
            after = _lstrip(
                _strip_prefix(b.runs, _prefix_len(b.runs, m.end("label"))),
                " :.\u2013\u2014-\u00a0\t",
            )
            return norm_space(m.group("label")), _number(m), after, "heading"
        if b.kind != "para" or not b.starts_bold:
            return None
        prefix = _bold_prefix(b)
        m = label_re.match(prefix)
        if not m:
            return None
        rest = m.group("rest")
        if rest.strip() and not re.match(r"^\s*[:.\u2013\u2014-]", rest):
            return None  # "Good Practice 4 applies ...": a mention, not a label
        after = _lstrip(
            _strip_prefix(b.runs, _prefix_len(b.runs, m.end("label"))), " :.\u2013\u2014-\u00a0\t"
        )
        layout = "merged" if _text(after) else "separate"
        return norm_space(m.group("label")), _number(m), after, layout

    labels = [label_of(b) for b in blocks]
    label_levels = [
        b.level for b, lab in zip(blocks, labels, strict=True) if lab and b.kind == "header"
    ]
    label_level = min(label_levels) if label_levels else None

    def is_notes_heading(i: int) -> bool:
        b = blocks[i]
        if b.text.lower().rstrip(":") not in _NOTES_HEADINGS or not (
            b.kind == "header" or b.all_bold
        ):
            return False
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        return nxt is not None and bool(_TYPED_NOTE.match(nxt.text))

    def section_heading(i: int) -> bool:
        b = blocks[i]
        if b.kind == "header":
            return label_level is None or b.level < label_level
        if b.kind != "para" or not b.all_bold or b.runs and any(r.note for r in b.runs):
            return False
        text = b.text
        if len(text.split()) > 20 or text.endswith((".", ";", ":", ",")):
            return False
        if _SECTION_NUMBER.match(text) or (text.isupper() and len(text) > 3):
            return True
        # A short bold line with no number, right before a label ("Prevention"): a heading.
        nxt = next((j for j in range(i + 1, len(blocks)) if blocks[j].kind != "table"), None)
        return nxt is not None and bool(labels[nxt]) and len(text.split()) <= 12

    # -- front matter: pre-title, title, furniture, introduction heading
    i = 0
    if meta_title:
        doc.title = meta_title
        doc.pretitle = meta_subtitle
    else:
        pre: list[str] = []
        while i < len(blocks):
            b = blocks[i]
            if labels[i] or b.kind == "table":
                break
            if (b.kind == "header" and b.level == 1) or (b.kind == "para" and b.all_bold):
                doc.title = b.text
                i += 1
                break
            pre.append(b.text)
            i += 1
        else:
            i = 0
        if not doc.title:
            i, pre = 0, []
            doc.warnings.append("No title was found; give the document a title before confirming.")
        doc.pretitle = " ".join(pre) or None
    # Furniture under the title: a status or history table, with its caption.
    while i < len(blocks) and not labels[i]:
        b = blocks[i]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if b.kind == "table":
            doc.left_out.append({"text": _table_summary(b), "reason": _FURNITURE})
            i += 1
        elif nxt is not None and nxt.kind == "table" and b.all_bold and len(b.text.split()) <= 6:
            doc.left_out.append({"text": f"{b.text}: {_table_summary(nxt)}", "reason": _FURNITURE})
            i += 2
        else:
            break

    # -- the body
    section: ImportedSection | None = None
    practice: ImportedPractice | None = None
    in_intro = True
    pending_lead = False
    while i < len(blocks):
        b, lab = blocks[i], labels[i]
        text = b.text
        if b.kind == "para" and _RULE.match(text):
            i += 1
            continue
        if is_notes_heading(i):
            i = _typed_notes(blocks, i + 1, doc, reader)
            continue
        if (
            lab
            and practice is not None
            and pending_lead
            and b.kind == "para"
            and norm_space(lab[0]) == practice.label
            and not _text(lab[2])
        ):
            # The label again, in bold, as its lead: how a practice without a lead sentence
            # is exported (its heading is its label). The same practice, not a new one.
            practice.lead = b.runs
            practice.source.append(_source_text(b))
            pending_lead = False
            i += 1
            continue
        if lab:
            label, number, after, layout = lab
            practice = ImportedPractice(
                label=label,
                number=number,
                section=len(doc.sections) - 1 if section else None,
                label_layout=layout,
            )
            practice.comments += b.comments
            practice.source.append(_source_text(b))
            doc.practices.append(practice)
            if section:
                section.practices += 1
            in_intro = False
            if _text(after):
                lead, rest = _split_lead(after)
                practice.lead = lead or after
                if rest and lead:
                    practice.parts.append(Part("paragraph", rest))
                pending_lead = False
            else:
                pending_lead = True
            i += 1
            continue
        if b.kind == "header" and _is_contents(b):
            # A table of contents: the heading and the entries up to the next heading.
            i += 1
            while i < len(blocks) and blocks[i].kind != "header":
                i += 1
            doc.left_out.append({"text": text, "reason": "A table of contents, made by Word."})
            continue
        if in_intro and doc.intro_heading is None and _is_intro_heading(b):
            if doc.intro:
                # What stands between the title and an "Introduction" heading is a cover.
                summary = " / ".join(_text(p.runs) for p in doc.intro if p.runs)[:200]
                doc.left_out.append({"text": summary, "reason": _COVER})
                doc.intro = []
            doc.intro_heading = text
            i += 1
            continue
        if not pending_lead and section_heading(i):
            m = _SECTION_NUMBER.match(text)
            section = ImportedSection(
                heading=text,
                number=m.group("num") if m else None,
                title=m.group("title") if m else text,
            )
            doc.sections.append(section)
            practice = None
            in_intro = False
            i += 1
            continue
        if practice is not None and pending_lead:
            pending_lead = False
            if b.kind in ("para", "header") and b.starts_bold:
                lead, rest = _split_lead(b.runs)
                practice.lead = lead
                practice.comments += b.comments
                practice.source.append(_source_text(b))
                if _text(rest):
                    practice.parts.append(Part("paragraph", rest))
                    practice.label_layout = "inline"
                i += 1
                continue
        part = _part(b)
        if practice is not None:
            practice.parts.append(part)
            practice.comments += b.comments
            practice.source.append(_source_text(b))
        elif section is not None:
            section.intro.append(part)
        elif in_intro:
            doc.intro.append(part)
        else:
            doc.left_out.append({"text": text[:200], "reason": "It stands between two parts."})
        i += 1

    doc.notes = reader.notes
    if not doc.practices:
        doc.warnings.append(
            f"No practice was found: no “{doc.label_term} N” label in a heading or in bold "
            "at the start of a paragraph."
        )
    for p in doc.practices:
        _typed_numbers(p)
        fix_sub_item_levels(p)
        if not _text(p.lead):
            doc.warnings.append(
                f"{p.label}: no bold lead sentence was found; its label stands as its heading."
            )
    return doc


_FURNITURE = "A table under the title (document history or status), not part of the text."


def _number(m: re.Match) -> int | None:
    label = norm_space(m.group("label"))
    return int(m.group("num")) if label.endswith(m.group("num")) else None


def _prefix_len(runs: list[Run], normalised_end: int) -> int:
    """How many raw characters of ``runs`` hold the first ``normalised_end`` characters
    of their whitespace-normalised text (labels may contain tabs or non-breaking spaces)."""
    raw = "".join(r.text for r in runs if r.note is None)
    lead_ws = len(raw) - len(raw.lstrip())
    count, j, in_ws = 0, lead_ws, False
    while j < len(raw) and count < normalised_end:
        if raw[j] in " \t\u00a0\n":
            if not in_ws:
                count += 1
            in_ws = True
        else:
            count += 1
            in_ws = False
        j += 1
    return j


_COVER = "Cover text above the introduction (the document's cover is made from its details)."


def _is_contents(b: Block) -> bool:
    return b.text.lower().rstrip(":") in ("contents", "table of contents")


def _is_intro_heading(b: Block) -> bool:
    return (b.kind == "header" or b.all_bold) and b.text.lower().rstrip(":") in _INTRO_HEADINGS


def _part(b: Block) -> Part:
    if b.kind == "table":
        return Part("table", rows=b.rows, cells=b.cells, aligns=b.aligns)
    if b.kind == "item":
        return Part("sub_item", b.runs, label=b.label, level=b.level)
    if b.kind == "bullet":
        return Part("bullet", b.runs, level=b.level)
    m = _TYPED_ITEM.match(b.text)
    if m and b.kind == "para":
        runs = _lstrip(_strip_prefix(b.runs, _prefix_len(b.runs, m.end())), " \t\u00a0")
        return Part("sub_item", runs, label=f"({m.group('label')})", level=0)
    typed = _TYPED_BULLET.match(b.text)
    if typed and b.kind == "para":
        runs = _lstrip(_strip_prefix(b.runs, _prefix_len(b.runs, typed.end())), " \t\u00a0")
        return Part("bullet", runs, level=1)
    return Part("paragraph", b.runs)


def _source_text(b: Block) -> str:
    """A block as the file shows it, in plain text (footnote marks as [n])."""
    if b.kind == "table":
        return "\n".join(" | ".join(row) for row in b.rows)
    text = norm_space("".join(r.text if r.note is None else f"[{r.note}]" for r in b.runs))
    return f"{b.label} {text}" if b.kind == "item" else text


def _table_summary(b: Block) -> str:
    cols = max((len(r) for r in b.rows), default=0)
    head = " | ".join(b.rows[0]) if b.rows else ""
    return f"table of {len(b.rows)} rows × {cols} columns ({head})"


def _typed_notes(blocks: list[Block], i: int, doc: Imported, reader: _Reader) -> int:
    """Read a typed "Notes" list ("1 Text", "[1] Text") into footnotes; return the next index."""
    current: Footnote | None = None
    while i < len(blocks):
        b = blocks[i]
        m = _TYPED_NOTE.match(b.text)
        if m:
            n = int(m.group("a") or m.group("b"))
            runs = _lstrip(_strip_prefix(b.runs, _prefix_len(b.runs, m.end())))
            current = Footnote(n, [runs])
            reader.notes[n] = current
        elif current is not None and b.kind == "para":
            current.paragraphs.append(b.runs)
        else:
            doc.left_out.append({"text": b.text[:200], "reason": "It follows the notes."})
        i += 1
    return i


def _typed_numbers(practice: ImportedPractice) -> None:
    """Paragraphs typed "1. …", "2. …" one after another are a numbered list, as the Word
    export writes one; a lone "1. …" stays a paragraph (it may be text that starts so)."""
    parts = practice.parts
    i = 0
    while i < len(parts):
        run = []
        while i + len(run) < len(parts):
            part = parts[i + len(run)]
            m = _TYPED_NUMBER.match(_text(part.runs)) if part.kind == "paragraph" else None
            if not m or int(m.group("n")) != len(run) + 1:
                break
            run.append(m)
        if len(run) < 2:
            i += 1
            continue
        for n, m in enumerate(run):
            part = parts[i + n]
            runs = _lstrip(_strip_prefix(part.runs, _prefix_len(part.runs, m.end())))
            parts[i + n] = Part("sub_item", runs, label=f"{n + 1}.", level=1)
        i += len(run)


def fix_sub_item_levels(practice: ImportedPractice) -> None:
    """Give typed sub-items their level: "(i)" after "(c)" is level 2, after "(h)" level 1."""
    previous_letter = ""
    for part in practice.parts:
        if part.kind != "sub_item" or part.level:
            continue
        tag = part.label.strip("()")
        expected_next = chr(ord(previous_letter) + 1) if previous_letter else "a"
        if tag in _ROMAN and tag != expected_next:
            part.level = 2
        else:
            part.level = 1
            previous_letter = tag[-1]
