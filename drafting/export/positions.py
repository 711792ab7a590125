"""The positions matrix as files: CSV (every statement in full) and Word (a table of
stances, the statements listed after it).

Both take the matrix the page shows (drafting.reads.position_matrix), so a file
holds exactly what its reader may see, filters included. CSV cells that a
spreadsheet would run as a formula are neutralised (OWASP "CSV Injection"); the
Word table is written as one XML string and parsed once (python-docx's cell API
would take minutes on 400 practices × 37 delegations) and every user text in it
is XML-escaped.
"""

from __future__ import annotations

import csv
import io

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.oxml import parse_xml
from docx.shared import Cm, Pt
from lxml import etree

from drafting.export import markup
from drafting.export.docx import _x
from drafting.reads.positions import FILTERS, PositionMatrix

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LEGEND = "S: support · R: reservation (R*: accepted for the record) · O: objection · –: no position"

# OWASP CSV Injection: a cell starting with one of these is read as a formula by
# spreadsheet programs (tab and carriage return too, as some strip them first).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading formula character gets a ' before it."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def filename(matrix: PositionMatrix, extension: str) -> str:
    return f"{matrix.document.slug}-positions.{extension}"


def matrix_csv(matrix: PositionMatrix) -> bytes:
    """One row per practice, one column per delegation; UTF-8 with a BOM (Excel reads it so)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["Section", "Practice", "Heading", *(d.name for d in matrix.delegations)])
    for row in matrix.rows:
        cells = [row.section.title, row.label, row.practice.heading]
        cells += [cell.describe() for cell in row.cells]
        writer.writerow([neutralise(cell) for cell in cells])
    return ("\ufeff" + out.getvalue()).encode()


def _plain(source: str) -> str:
    """A statement's Markdown as one line of plain text (Word shows no Markdown)."""
    rich = markup.parse(source)
    parts = [markup.plain_text(b.inlines) for b in rich.blocks if isinstance(b, markup.Para)]
    return " ".join(p for p in parts if p) or source


def _para(text: str, *, bold: bool = False, style: str = "") -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    run_props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:p>{props}<w:r>{run_props}<w:t xml:space="preserve">{_x(text)}</w:t></w:r></w:p>'


def _cell(text: str, width: int, *, bold: bool = False) -> str:
    width_xml = f'<w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
    return f"<w:tc>{width_xml}{_para(text, bold=bold)}</w:tc>"


def matrix_docx(matrix: PositionMatrix) -> bytes:
    """A landscape A3 Word file: title, legend, the table (header row repeated on each page),
    then every reservation and objection in full, practice by practice."""
    document = new_docx()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(42), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)
    document.styles["Normal"].font.size = Pt(8)

    usable = int((42 - 3) / 2.54 * 1440)  # twentieths of a point across the page
    first = min(4000, usable // 3)
    other = max(300, (usable - first) // max(1, len(matrix.delegations)))
    body: list[str] = []
    title = f"Positions of delegations — {matrix.document.title}"
    body.append(_para(title, style="Title"))
    what = FILTERS.get(matrix.only, FILTERS[""])
    if matrix.section_id is not None:
        names = [s.title for s in matrix.sections if s.pk == matrix.section_id]
        what += f", section “{names[0]}”" if names else ""
    body.append(_para(f"{what}. {LEGEND}"))
    grid = f'<w:gridCol w:w="{first}"/>' + f'<w:gridCol w:w="{other}"/>' * len(matrix.delegations)
    rows = [
        "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
        + _cell("Practice", first, bold=True)
        + "".join(_cell(d.code, other, bold=True) for d in matrix.delegations)
        + "</w:tr>"
    ]
    statements: list[str] = []
    for row in matrix.rows:
        cells = [_cell(f"{row.label}. {row.practice.heading}", first)]
        for delegation, cell in zip(matrix.delegations, row.cells, strict=True):
            cells.append(_cell(cell.mark, other))
            if cell.text:
                what = f"{row.label} — {delegation.name}, {cell.label.lower()}"
                statements.append(_para(f"{what}: {_plain(cell.text)}"))
        rows.append("<w:tr>" + "".join(cells) + "</w:tr>")
    body.append(
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:tblLayout w:type="fixed"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )
    body.append(_para("Reservations and objections", style="Heading1"))
    body.extend(statements or [_para("None recorded.")])

    # The body goes in as text and the whole main part is parsed once: moving a parsed
    # 15,000-cell table into python-docx's tree node by node (element.extend) took 10 s.
    part_xml = etree.tostring(document.element, encoding="unicode")
    head, body_tag, tail = part_xml.partition("<w:body>")
    # python-docx keeps a part's XML in XmlPart._element and serialises it on save.
    document.part._element = parse_xml(head + body_tag + "".join(body) + tail)
    document.core_properties.title = title[:255]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
