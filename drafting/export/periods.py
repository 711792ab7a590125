"""A comment period's compilation text and disposition table as Word and PDF files.

Both take the page's own data (drafting.reads.periods.compilation), so a file holds
what the page shows, attribution or anonymity included. Word: the body is written
as XML strings with every user text escaped and parsed once, as the positions
matrix is (drafting.export.positions: python-docx's cell API is far too slow for
400 practices × 37 delegations). PDF: a typesetter Plan (drafting.export.pdf's page
set-up and escaping, one piece per section so one bad text cannot take the file
down), typeset like every other PDF.
"""

from __future__ import annotations

import io

from django.conf import settings
from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.oxml import parse_xml
from docx.shared import Cm, Pt
from lxml import etree

from drafting.export import pdf, typesetter
from drafting.export.positions import DOCX_CONTENT_TYPE, _cell, _para, _plain
from drafting.reads.periods import Compilation, Submission

FORMATS = {"docx": DOCX_CONTENT_TYPE, "pdf": pdf.CONTENT_TYPE}
COLUMNS = ("Practice", "Delegation", "Submission", "Disposition", "Note", "Where decided")


def filename(page: Compilation, what: str, fmt: str) -> str:
    return f"{page.period.document.slug}-period-{page.period.pk}-{what}.{fmt}"


def _title(page: Compilation, what: str) -> tuple[str, str]:
    period = page.period
    return (
        f"{what} — {period.document.title}",
        f"Comment period on “{period.version.name}”, deadline "
        f"{period.deadline:%d %B %Y %H:%M} UTC.",
    )


def _what(item: Submission) -> str:
    late = " (late)" if item.obj.late else ""
    return (
        f"{item.who}, proposed change{late}" if item.is_amendment else f"{item.who}, comment{late}"
    )


def _submission_lines(item: Submission) -> list[str]:
    """A submission as plain paragraphs: the proposal (if any), then its rationale or text."""
    lines = []
    if item.is_amendment:
        lines.append(f"Proposed: {item.obj.proposed_heading}")
        if item.obj.proposed_body:
            lines.append(_plain(item.obj.proposed_body))
        lines.append(f"Rationale: {_plain(item.text)}")
    else:
        lines.append(_plain(item.text))
    return lines


def _disposition(item: Submission) -> tuple[str, str, str]:
    d = item.disposition
    if d is None:
        return "Not yet disposed", "", ""
    return d.get_outcome_display(), _plain(d.note) if d.note else "", str(d.meeting or "")


# --- Word ------------------------------------------------------------------------------------


def _docx(body: list[str], title: str, *, landscape: bool = False) -> bytes:
    document = new_docx()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    document.styles["Normal"].font.size = Pt(10)
    part_xml = etree.tostring(document.element, encoding="unicode")
    head, body_tag, tail = part_xml.partition("<w:body>")
    # python-docx keeps a part's XML in XmlPart._element and serialises it on save.
    document.part._element = parse_xml(head + body_tag + "".join(body) + tail)
    document.core_properties.title = title[:255]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def compilation_docx(page: Compilation) -> bytes:
    title, subtitle = _title(page, "Compilation of comments")
    body = [_para(title, style="Title"), _para(subtitle)]
    for entry in page.sections:
        body.append(_para(entry.section.title, style="Heading1"))
        for item in entry.submissions:
            body.append(_para(_what(item), bold=True))
            body.extend(_para(line) for line in _submission_lines(item))
        for p in entry.practices:
            body.append(_para(f"{p.label}. {p.practice.heading}", style="Heading2"))
            if p.practice.body:
                body.append(_para(_plain(p.practice.body)))
            for item in p.submissions:
                body.append(_para(_what(item), bold=True))
                body.extend(_para(line) for line in _submission_lines(item))
    return _docx(body, title)


def dispositions_docx(page: Compilation) -> bytes:
    title, subtitle = _title(page, "Disposition table")
    usable = int((29.7 - 4) / 2.54 * 1440)
    widths = [1500, 1700, usable - 1500 - 1700 - 1800 - 3000 - 1800, 1800, 3000, 1800]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    rows = [
        "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
        + "".join(_cell(c, w, bold=True) for c, w in zip(COLUMNS, widths, strict=True))
        + "</w:tr>"
    ]
    for item in page.submissions:
        outcome, note, meeting = _disposition(item)
        cells = [
            item.where,
            _what(item),
            " ".join(_submission_lines(item)),
            outcome,
            note,
            meeting,
        ]
        rows.append(
            "<w:tr>" + "".join(_cell(c, w) for c, w in zip(cells, widths, strict=True)) + "</w:tr>"
        )
    body = [
        _para(title, style="Title"),
        _para(subtitle),
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:tblLayout w:type="fixed"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>",
    ]
    return _docx(body, title, landscape=True)


# --- PDF -------------------------------------------------------------------------------------

_E = pdf.escape


def _preamble(page: Compilation, title: str) -> str:
    return (
        pdf.PREAMBLE.replace("TITLE", pdf.string(title))
        .replace("HEADER_LEFT", f"[{_E(page.period.document.short_title)}]")
        .replace("HEADER_RIGHT", "[]")
    )


def _head(preamble: str, title: str, subtitle: str) -> str:
    return f'{preamble}#text(size: 17pt, weight: "bold")[{_E(title)}]\n\n{_E(subtitle)}\n\n'


def _typeset(plan: typesetter.Plan) -> bytes:
    if getattr(settings, "EXPORT_TYPESET_IN_CHILD", True):
        return pdf.typeset_in_child(plan)
    return typesetter.typeset(plan)


def _submission_typst(item: Submission) -> str:
    out = f"#block(inset: (left: 1em))[#strong[{_E(_what(item))}]\n\n"
    out += "\n\n".join(_E(line) for line in _submission_lines(item))
    return out + "]\n"


def compilation_pdf(page: Compilation) -> bytes:
    title, subtitle = _title(page, "Compilation of comments")
    preamble = _preamble(page, title)
    pieces = []
    for entry in page.sections:
        src = f"#heading(level: 2)[{_E(entry.section.title)}]\n"
        src += "".join(_submission_typst(i) for i in entry.submissions)
        for p in entry.practices:
            src += f"#strong[{_E(p.label)}. {_E(p.practice.heading)}]\n\n"
            if p.practice.body:
                src += _E(_plain(p.practice.body)) + "\n\n"
            src += "".join(_submission_typst(i) for i in p.submissions)
        pieces.append(typesetter.Piece(f"s{entry.section.id}", src, src))
    plan = typesetter.Plan(
        page.period.document.slug,
        preamble,
        _head(preamble, title, subtitle),
        pieces,
        [str(pdf.FONTS)],
    )
    return _typeset(plan)


def dispositions_pdf(page: Compilation) -> bytes:
    title, subtitle = _title(page, "Disposition table")
    preamble = _preamble(page, title).replace('paper: "a4"', 'paper: "a4", flipped: true')
    cells = [f"[*{_E(c)}*]" for c in COLUMNS]
    for item in page.submissions:
        outcome, note, meeting = _disposition(item)
        row = [
            item.where,
            _what(item),
            " ".join(_submission_lines(item)),
            outcome,
            note,
            meeting,
        ]
        cells += [f"[{_E(c)}]" for c in row]
    table = (
        "#set text(size: 8.5pt)\n#set par(justify: false)\n"
        "#table(columns: (auto, auto, 3fr, auto, 2fr, auto), table.header("
        + ", ".join(cells[: len(COLUMNS)])
        + "), "
        + ", ".join(cells[len(COLUMNS) :])
        + ")\n"
    )
    plan = typesetter.Plan(
        page.period.document.slug,
        preamble,
        _head(preamble, title, subtitle),
        [typesetter.Piece("table", table, table)],
        [str(pdf.FONTS)],
    )
    return _typeset(plan)


def compilation(page: Compilation, fmt: str) -> bytes:
    return compilation_docx(page) if fmt == "docx" else compilation_pdf(page)


def dispositions(page: Compilation, fmt: str) -> bytes:
    return dispositions_docx(page) if fmt == "docx" else dispositions_pdf(page)
