"""The recognised document as data (``drafting-import-fixture/1``) and as stored Markdown.

``as_fixture`` gives the structure in the schema of the import fixtures'
``expected.json`` (what ``import_document --dry-run --json`` prints and the
preview shows); ``markdown_of`` gives the text each part is stored as, in the
application's text format (drafting.text).
"""

from __future__ import annotations

import re

from drafting.imports.structure import Footnote, Imported, ImportedPractice, Part, Run, norm_space

SCHEMA = "drafting-import-fixture/1"


def plain(runs: list[Run]) -> str:
    """The text a reader sees, footnote marks left out, whitespace collapsed."""
    return norm_space("".join(r.text for r in runs if r.note is None))


def lead_markdown(runs: list[Run]) -> str:
    """A lead sentence as stored: its text, whitespace collapsed, with its footnote
    references ``[^n]`` where they stand (the notes are defined in the body; drafting.text)."""
    line = norm_space("".join(r.text if r.note is None else f"[^{r.note}]" for r in runs))
    return re.sub(r"\s+(\[\^\d+\])", r"\1", line)


def notes_in(runs: list[Run]) -> list[int]:
    """Footnote numbers referenced in ``runs``, in order."""
    return [r.note for r in runs if r.note is not None]


def _part_notes(parts: list[Part]) -> list[int]:
    out: list[int] = []
    for part in parts:
        out += notes_in(part.runs)
        for row in part.cells:  # a table's notes sit in its cells
            for cell in row:
                out += notes_in(cell)
    return out


def _words(text: str) -> int:
    return len(text.split())


def _part_text(part: Part) -> str:
    if part.kind == "table":
        return " ".join(" ".join(row) for row in part.rows)
    if part.kind == "sub_item":
        return f"{part.label} {plain(part.runs)}"
    return plain(part.runs)


def _note_text(note: Footnote | None) -> str:
    return " ".join(plain(p) for p in note.paragraphs) if note else ""


def practice_words(doc: Imported, p: ImportedPractice) -> int:
    """Words a reader sees in a practice's own text: label, lead, body (not its footnotes)."""
    texts = [p.label, plain(p.lead)] + [_part_text(x) for x in p.parts]
    return sum(_words(t) for t in texts)


def as_fixture(doc: Imported) -> dict:
    """The document in the ``drafting-import-fixture/1`` schema, plus ``warnings``."""
    numbers = [p.number for p in doc.practices]
    plain_numbers = [n for n in numbers if n is not None]
    intro_notes = _part_notes(doc.intro)
    practices = []
    for p in doc.practices:
        body = [x for x in p.parts if x.kind in ("paragraph", "bullet")]
        subs = [x for x in p.parts if x.kind == "sub_item"]
        tables = [x for x in p.parts if x.kind == "table"]
        lead_notes, body_notes = notes_in(p.lead), _part_notes(p.parts)
        practices.append(
            {
                "label": p.label,
                "number": p.number,
                "section": p.section,
                "lead": plain(p.lead),
                "paragraphs": len(body),
                "footnotes_in_lead": len(lead_notes),
                "footnotes_in_body": len(body_notes),
                "footnote_numbers": lead_notes + body_notes,
                "has_sub_items": bool(subs),
                "sub_items": [
                    {"label": s.label, "level": s.level, "text": plain(s.runs)} for s in subs
                ],
                "has_table": bool(tables),
                "tables": [
                    {
                        "rows": len(t.rows),
                        "cols": max((len(r) for r in t.rows), default=0),
                        "header": t.rows[0] if t.rows else [],
                    }
                    for t in tables
                ],
                "first_paragraph": plain(body[0].runs) if body else "",
                "words": practice_words(doc, p),
                "label_layout": p.label_layout,
                "comments": p.comments,
            }
        )
    notes = sorted(doc.notes)
    section_notes = [n for s in doc.sections for n in _part_notes(s.intro)]
    lead_notes = [n for p in doc.practices for n in notes_in(p.lead)]
    body_notes = [n for p in doc.practices for n in _part_notes(p.parts)]
    intro_paragraphs = [x for x in doc.intro if x.kind != "table"]
    return {
        "schema": SCHEMA,
        "source": doc.source,
        "pretitle": doc.pretitle,
        "title": doc.title,
        "label_term": doc.label_term,
        "numbering": {
            "first": plain_numbers[0] if plain_numbers else None,
            "last": plain_numbers[-1] if plain_numbers else None,
            "continuous": bool(plain_numbers)
            and len(plain_numbers) == len(numbers)
            and plain_numbers == list(range(plain_numbers[0], plain_numbers[0] + len(numbers))),
        },
        "introduction": {
            "heading": doc.intro_heading,
            "paragraphs": len(intro_paragraphs),
            "footnote_numbers": intro_notes,
            "first_words": " ".join(plain(intro_paragraphs[0].runs).split()[:8])
            if intro_paragraphs
            else "",
        },
        "sections": [
            {
                "heading": s.heading,
                "number": s.number,
                "title": s.title,
                "intro_paragraphs": len(s.intro),
                "practices": s.practices,
            }
            for s in doc.sections
        ],
        "practices_without_section": [p.label for p in doc.practices if p.section is None],
        "practice_count": len(doc.practices),
        "practices": practices,
        "footnotes": {
            "total": len(notes),
            "first": notes[0] if notes else None,
            "last": notes[-1] if notes else None,
            "in_introduction": len(intro_notes),
            "in_section_introductions": len(section_notes),
            "in_leads": len(lead_notes),
            "in_bodies": len(body_notes),
            "multi_paragraph": [n for n in notes if len(doc.notes[n].paragraphs) > 1],
            "texts": {str(n): [plain(p) for p in doc.notes[n].paragraphs] for n in notes},
        },
        "words": document_words(doc),
        "left_out": doc.left_out,
        "warnings": doc.warnings,
    }


def document_words(doc: Imported) -> int:
    """Words of everything a reader sees, footnotes included; Markdown markers not counted."""
    texts = [doc.pretitle or "", doc.title, doc.intro_heading or ""]
    texts += [_part_text(x) for x in doc.intro]
    for s in doc.sections:
        texts.append(s.heading)
        texts += [_part_text(x) for x in s.intro]
    for p in doc.practices:
        texts += [p.label, plain(p.lead)] + [_part_text(x) for x in p.parts]
    texts += [_note_text(n) for n in doc.notes.values()]
    return sum(_words(t) for t in texts)


# ---- Markdown for storage ---------------------------------------------------------------

_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])(?=\s|$)")


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def inline_markdown(runs: list[Run]) -> str:
    """Runs as Markdown: bold, italics, links and footnote references ``[^n]``."""
    out: list[str] = []
    for r in runs:
        if r.note is not None:
            out.append(f"[^{r.note}]")
            continue
        text = _escape(r.text.replace("\t", " ").replace("\n", " "))
        if not text.strip():
            out.append(text)
            continue
        core = text.strip()
        left, right = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        if r.italic:
            core = f"*{core}*"
        if r.bold:
            core = f"**{core}**"
        if r.href and r.href.startswith(("http://", "https://", "mailto:")):
            core = f"[{core}]({r.href})"
        out.append(left + core + right)
    md = re.sub(r"[ \u00a0]{2,}", " ", "".join(out)).strip()
    # Adjacent marks of the same kind would read as one: "**a****b**" -> "**ab**".
    md = md.replace("****", "").replace("**\u0020**", " ")
    return _LINE_START.sub(_escape_line_start, md)


def _escape_line_start(m: re.Match) -> str:
    # "1." is escaped as "1\." (a backslash before a digit is printed, not an escape).
    mark = m.group(2)
    if mark[0].isdigit():
        return m.group(1) + mark[:-1] + "\\" + mark[-1]
    return m.group(1) + "\\" + mark


_RULES = {"left": ":--", "right": "--:", "center": ":-:"}


def _table_markdown(
    rows: list[list[str]], runs: list[list[list[Run]]] = (), aligns: list[str] = ()
) -> str:
    if not rows:
        return ""
    cols = max(len(r) for r in rows)

    def line(cells: list[str]) -> str:
        cells = [c.replace("|", "\\|") for c in cells] + [""] * (cols - len(cells))
        return "| " + " | ".join(cells) + " |"

    # Each column's alignment, as the file gives it (drafting.text keeps it).
    rules = [_RULES.get(a, "---") for a in list(aligns)[:cols]]
    rules += ["---"] * (cols - len(rules))
    # Cells with their bold, italics, links and footnote references where the reader has them.
    if runs:
        rows = [[inline_markdown(cell) for cell in row] for row in runs]
    else:
        rows = [[_escape(c) for c in row] for row in rows]

    return "\n".join([line(rows[0]), "| " + " | ".join(rules) + " |"] + [line(r) for r in rows[1:]])


def parts_markdown(parts: list[Part], notes: dict[int, Footnote], *, lead_notes=()) -> str:
    """Body parts as Markdown paragraphs, with the definitions of their footnotes at the end.

    Sub-items are kept as "(a) text" paragraphs, a level deeper indented by two
    spaces a level ("  (i) text"); tables as pipe tables (drafting.text reads both).
    ``lead_notes``: footnotes of the lead sentence, which refers to them itself
    (``lead_markdown``): only their definitions are written here, first.
    """
    blocks: list[str] = []
    for part in parts:
        if part.kind == "table":
            blocks.append(_table_markdown(part.rows, part.cells, part.aligns))
        elif part.kind == "sub_item":
            indent = "  " * (max(part.level, 1) - 1)
            blocks.append(f"{indent}{part.label} {inline_markdown(part.runs)}")
        elif part.kind == "bullet":
            blocks.append("  " * max(part.level - 1, 0) + "- " + inline_markdown(part.runs))
        else:
            blocks.append(inline_markdown(part.runs))
    used = list(lead_notes) + _part_notes(parts)
    for n in dict.fromkeys(used):
        note = notes.get(n)
        if note is None:
            continue
        paras = [inline_markdown(p) for p in note.paragraphs] or [""]
        definition = f"[^{n}]: {paras[0]}"
        for more in paras[1:]:
            definition += f"\n\n    {more}"
        blocks.append(definition)
    return "\n\n".join(b for b in blocks if b)
