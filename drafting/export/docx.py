"""Word export: the export model as a .docx built on python-docx's package and styles.

Structure a Word user relies on: the cover on its own first page (no header or
footer there), a contents whose page numbers every layout fills in (_Writer.toc),
sections as "Heading 1" and "Good Practice N" as "Heading 2" (so the navigation
pane and a TOC Word inserts work), footnotes as real Word footnotes, a running
header with the short title (and DRAFT when the text is not final), page numbers
in the footer, A4.
Redlines are real tracked changes (``w:ins`` / ``w:del``), which Word and
LibreOffice show in colour and let the reader accept or reject.
Right to left (issue 16): a paragraph whose first strong letter is Arabic or Hebrew
(``drafting.bidi``) is a bidi paragraph (``w:bidi``: it runs and aligns from the
right, its full stop on the left), and each run of such text is marked ``w:rtl``.

Speed: the body is written as one XML string and parsed once; python-docx's
object API (a Python object per run) would make this several times slower
on a 400-practice document. Everything a user typed is XML-escaped, and the
characters XML 1.0 forbids are dropped, so no text can break the file.
"""

from __future__ import annotations

import html
import io
import re
from datetime import UTC
from itertools import count

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from drafting import bidi
from drafting.export import markup
from drafting.export.snapshot import DIGEST_LEAD, ExportDocument, ExportPractice, ExportSection

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSION = "docx"
AUTHOR = "Drafting (redline)"

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = nsdecls("w", "r")


def _x(value: str) -> str:
    """Text safe inside an XML element or a double-quoted attribute."""
    value = _XML_INVALID.sub("", value)
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


class _Writer:
    """Collects body XML, footnotes and hyperlink relationships for one document."""

    def __init__(self, doc: ExportDocument, part) -> None:
        self.doc = doc
        self.part = part
        self.body: list[str] = []
        self.footnotes: list[str] = []
        self.ids = count(1000)  # w:id of tracked changes
        self.note_ids = count(1)
        self.links: dict[str, str] = {}
        date = (doc.redline.end_at if doc.redline else doc.at).astimezone(UTC)
        self.change_attrs = f'w:author="{_x(AUTHOR)}" w:date="{date:%Y-%m-%dT%H:%M:%SZ}"'

    # --- inline content ---

    def runs(self, inlines, *, style: frozenset = frozenset(), rich=None) -> str:
        out: list[str] = []
        for node in inlines:
            if isinstance(node, markup.Text):
                out.append(self.run(node.text, style))
            elif isinstance(node, markup.Span):
                out.append(self.runs(node.children, style=style | {node.kind}, rich=rich))
            elif isinstance(node, markup.Code):
                out.append(self.run(node.text, style | {"code"}))
            elif isinstance(node, markup.Break):
                out.append(self.run(None, style, br=True) if node.hard else self.run(" ", style))
            elif isinstance(node, markup.Link):
                rid = self.links.get(node.href)
                if rid is None:
                    rid = self.part.relate_to(
                        node.href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True
                    )
                    self.links[node.href] = rid
                inner = self.runs(node.children, style=style | {"link"}, rich=rich)
                out.append(f'<w:hyperlink r:id="{rid}">{inner}</w:hyperlink>')
            elif isinstance(node, markup.NoteRef) and rich is not None:
                out.append(self.note_ref(node, rich, style))
        return "".join(out)

    def run(self, text: str | None, style, *, br: bool = False, extra: str = "") -> str:
        # In the order the schema requires: fonts, bold, italic, colour, size, underline.
        props = []
        if "code" in style:
            props.append('<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New"/>')
        if "strong" in style:
            props.append("<w:b/><w:bCs/>")
        if "em" in style:
            props.append("<w:i/><w:iCs/>")
        if "link" in style:
            props.append('<w:color w:val="1F4E9A"/>')
        props.append(extra)
        if "small" in style:
            props.append('<w:sz w:val="18"/><w:szCs w:val="18"/>')
        if "link" in style:
            props.append('<w:u w:val="single"/>')
        if text and bidi.is_rtl(text):
            props.append("<w:rtl/>")  # last: w:rtl follows w:u and w:shd in CT_RPr
        rpr = f"<w:rPr>{''.join(props)}</w:rPr>" if any(props) else ""
        deleted = "del" in style
        if br:
            content = "<w:br/>"
        elif deleted:
            content = f'<w:delText xml:space="preserve">{_x(text or "")}</w:delText>'
        else:
            content = f'<w:t xml:space="preserve">{_x(text or "")}</w:t>'
        run = f"<w:r>{rpr}{content}</w:r>"
        if deleted:
            return f'<w:del w:id="{next(self.ids)}" {self.change_attrs}>{run}</w:del>'
        if "ins" in style:
            return f'<w:ins w:id="{next(self.ids)}" {self.change_attrs}>{run}</w:ins>'
        return run

    def note_ref(self, ref: markup.NoteRef, rich: markup.Rich, style) -> str:
        if ref.index >= len(rich.notes):
            return ""
        note_id = next(self.note_ids)
        paragraphs = self.blocks_xml(
            rich.notes[ref.index],
            ppr='<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
            style=frozenset({"small"}),
            first_prefix=(
                '<w:r><w:rPr><w:sz w:val="18"/><w:vertAlign w:val="superscript"/></w:rPr>'
                '<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> </w:t></w:r>'
            ),
        )
        self.footnotes.append(f'<w:footnote w:id="{note_id}">{paragraphs}</w:footnote>')
        props = '<w:vertAlign w:val="superscript"/>'
        run = f'<w:r><w:rPr>{props}</w:rPr><w:footnoteReference w:id="{note_id}"/></w:r>'
        if "ins" in style:
            return f'<w:ins w:id="{next(self.ids)}" {self.change_attrs}>{run}</w:ins>'
        if "del" in style:
            return f'<w:del w:id="{next(self.ids)}" {self.change_attrs}>{run}</w:del>'
        return run

    # --- blocks ---

    def para(self, inner: str, *, style: str = "", ppr: str = "", mark: str = "") -> str:
        """One paragraph; ``mark`` "ins"/"del" tracks its paragraph mark as inserted or
        deleted, so Accept all / Reject all also split and join paragraphs (ECMA-376
        17.13.5.16 and .14: w:ins / w:del in the paragraph mark's w:rPr, last in w:pPr)."""
        pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
        tracked = (
            f'<w:rPr><w:{mark} w:id="{next(self.ids)}" {self.change_attrs}/></w:rPr>'
            if mark
            else ""
        )
        ppr = _with_direction(ppr, inner)
        props = f"<w:pPr>{pstyle}{ppr}{tracked}</w:pPr>" if (pstyle or ppr or tracked) else ""
        return f"<w:p>{props}{inner}</w:p>"

    def blocks_xml(
        self,
        blocks,
        *,
        rich=None,
        ppr: str = "",
        style: frozenset = frozenset(),
        first_prefix: str = "",
        level: int = 0,
    ) -> str:
        out: list[str] = []
        prefix = first_prefix
        for block in blocks:
            if isinstance(block, markup.Para) and block.label:
                out.append(self.sub_item_xml(block, rich=rich, style=style, prefix=prefix))
                prefix = ""
            elif isinstance(block, markup.Para):
                runs = self.runs(block.inlines, style=style, rich=rich)
                out.append(self.para(prefix + runs, ppr=ppr, mark=block.mark))
                prefix = ""
            elif isinstance(block, markup.ListBlock):
                out.append(self.list_xml(block, rich=rich, style=style, level=level))
            elif isinstance(block, markup.Table):
                out.append(self.table_xml(block, rich=rich, style=style))
            else:
                out.append(
                    self.blocks_xml(
                        block.blocks,
                        rich=rich,
                        ppr='<w:ind w:left="720" w:right="720"/>',
                        style=style,
                        level=level,
                    )
                )
        if prefix:  # an empty footnote still needs its mark
            out.append(self.para(prefix, ppr=ppr))
        return "".join(out)

    def list_xml(self, block: markup.ListBlock, *, rich, style: frozenset, level: int) -> str:
        out = []
        indent = 360 * (level + 1) + 360
        for n, item in enumerate(block.items):
            marker = f"{block.start + n}." if block.ordered else "•"
            first = f'<w:r><w:t xml:space="preserve">{marker}</w:t></w:r><w:r><w:tab/></w:r>'
            item_ppr = (
                f'<w:tabs><w:tab w:val="left" w:pos="{indent}"/></w:tabs>'
                f'<w:spacing w:after="80"/><w:ind w:left="{indent}" w:hanging="360"/>'
            )
            for i, sub in enumerate(item):
                if isinstance(sub, markup.Para):
                    runs = self.runs(sub.inlines, style=style, rich=rich)
                    out.append(
                        self.para((first if i == 0 else "") + runs, ppr=item_ppr, mark=sub.mark)
                    )
                elif isinstance(sub, markup.ListBlock):
                    out.append(self.list_xml(sub, rich=rich, style=style, level=level + 1))
                elif isinstance(sub, markup.Quote):
                    out.append(
                        self.blocks_xml(
                            sub.blocks, rich=rich, ppr=item_ppr, style=style, level=level
                        )
                    )
                else:
                    out.append(self.blocks_xml((sub,), rich=rich, style=style, level=level))
        return "".join(out)

    def sub_item_xml(self, block: markup.Para, *, rich, style: frozenset, prefix: str = "") -> str:
        """A labelled sub-item: "(a)", a tab, the text, with a hanging indent per level
        (as typed in Word; the importer reads the label back and infers the level)."""
        left = _SUB_INDENT * max(block.level, 1)
        ppr = (
            f'<w:tabs><w:tab w:val="left" w:pos="{left}"/></w:tabs>'
            f'<w:spacing w:after="80"/><w:ind w:left="{left}" w:hanging="{_SUB_INDENT}"/>'
        )
        label_style = style | ({block.mark} if block.mark else set())
        first = prefix + self.run(block.label, label_style) + "<w:r><w:tab/></w:r>"
        runs = self.runs(block.inlines, style=style, rich=rich)
        return self.para(first + runs, ppr=ppr, mark=block.mark)

    def table_xml(self, table: markup.Table, *, rich, style: frozenset) -> str:
        """A real Word table: borders, a header row repeated on each page, cells' alignment."""
        cols = max(table.columns, 1)
        width = _TEXT_WIDTH // cols
        border = 'w:val="single" w:sz="4" w:space="0" w:color="808080"'
        borders = "".join(
            f"<w:{side} {border}/>"
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        out = [
            '<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/>'
            f"<w:tblBorders>{borders}</w:tblBorders>"
            '<w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/>'
            "</w:tblCellMar>"
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>',
            "<w:tblGrid>" + f'<w:gridCol w:w="{width}"/>' * cols + "</w:tblGrid>",
        ]
        rows = [(True, table.header)] if table.header else []
        rows += [(False, row) for row in table.rows]
        for header, row in rows:
            out.append("<w:tr>" + ("<w:trPr><w:tblHeader/></w:trPr>" if header else ""))
            for n in range(cols):
                cell = row[n] if n < len(row) else ()
                align = table.aligns[n] if n < len(table.aligns) else ""
                jc = f'<w:jc w:val="{_JC[align]}"/>' if align in _JC else ""
                cell_style = style | {"strong"} if header else style
                runs = self.runs(cell, style=cell_style, rich=rich)
                cell_ppr = _with_direction(f'<w:spacing w:after="0"/>{jc}', runs)
                out.append(
                    f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                    f"<w:p><w:pPr>{cell_ppr}</w:pPr>{runs}</w:p></w:tc>"
                )
            out.append("</w:tr>")
        out.append("</w:tbl>")
        # Word joins two tables that touch, and a table must not end a footnote or a cell.
        return "".join(out) + self.para("", ppr='<w:spacing w:after="0"/>')

    def rich(self, rich: markup.Rich) -> None:
        if not rich.empty:
            self.body.append(self.blocks_xml(rich.blocks, rich=rich))

    # --- document parts ---

    def cover(self) -> None:
        doc, c, w = self.doc, self.doc.cover, self.body.append
        w(self.para(self.run(c.forum, frozenset()), style="Subtitle"))
        if c.pretitle:
            w(self.para(self.run(c.pretitle, frozenset())))
        w(self.para(self.run(c.title, frozenset()), style="Title"))
        lines = [c.initiative]
        if c.co_leads:
            names = c.co_leads
            joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            lines.append(f"Co-led by {joined}")
        lines.append(f"Working group: {c.working_group}" if c.working_group else "")
        if c.implementing_partner:
            lines.append(f"Implementing partner: {c.implementing_partner}")
        for line in filter(None, lines):
            w(self.para(self.run(line, frozenset())))
        if c.adoption:
            w(self.para(self.run(c.adoption, frozenset({"em"}))))
        w(self.para(self.run(doc.what, frozenset())))
        if doc.redline:
            w(self.para(self.run(doc.redline.summary, frozenset())))
            w(
                self.para(
                    self.run("Changes are shown as tracked changes: ", frozenset())
                    + self.run("insertions", frozenset({"ins"}))
                    + self.run(" and ", frozenset())
                    + self.run("deletions", frozenset({"del"}))
                    + self.run(".", frozenset())
                )
            )
        if doc.draft:
            d = doc.draft
            red = '<w:color w:val="B3261E"/><w:sz w:val="28"/>'
            w(
                self.para(
                    self.run("DRAFT", frozenset({"strong"}), extra=red)
                    + self.run(
                        f" — document status: {d.status.lower()}. Not for adoption.", frozenset()
                    ),
                    ppr='<w:spacing w:before="480"/>',
                )
            )
            w(
                self.para(
                    self.run(
                        "Sections not yet approved:"
                        if d.unapproved
                        else "All sections are approved.",
                        frozenset({"strong"}),
                    )
                )
            )
            for line in d.unapproved:
                w(self.para(self.run(line, frozenset()), style="ListBullet"))
            w(
                self.para(
                    self.run(
                        "Open amendments:" if d.amendments else "No amendment is open.",
                        frozenset({"strong"}),
                    )
                )
            )
            for line in d.amendments:
                w(self.para(self.run(line, frozenset()), style="ListBullet"))
        w(self.para('<w:r><w:br w:type="page"/></w:r>'))

    def toc(self) -> None:
        """The contents: one line per heading 1, its title, a dot leader and its page.

        Each line links to a bookmark on its heading and takes the page from a PAGEREF
        field. Not a TOC field: LibreOffice prints a TOC field's stored result as it
        is and never recomputes it when it converts a file, so a contents made by a
        program that cannot paginate would have no page numbers there; a PAGEREF is
        recomputed by every layout (LibreOffice on load, Word on open, as settings.xml
        asks, and whenever it prints). The titles are plain text in the file, so a
        reader that updates nothing still lists the sections.
        """
        w = self.body.append
        w(self.para(self.run("Contents", frozenset()), style="TOCHeading"))
        for title, bookmark in self.contents():
            w(
                self.para(
                    f'<w:hyperlink w:anchor="{bookmark}" w:history="1">'
                    + self.run(title, frozenset())
                    + "<w:r><w:tab/></w:r>"
                    + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                    + f'<w:r><w:instrText xml:space="preserve"> PAGEREF {bookmark} \\h '
                    + "</w:instrText></w:r>"
                    + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                    + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink>',
                    ppr=_CONTENTS_LINE,
                )
            )

    def contents(self) -> list[tuple[str, str]]:
        """(title, bookmark name) of each heading the contents lists, in order."""
        entries = [("Introduction", _INTRO_BOOKMARK)] if self.doc.introduction.strip() else []
        return entries + [
            (markup.plain_text(s.title_inlines()), _section_bookmark(i))
            for i, s in enumerate(self.doc.sections, start=1)
        ]

    def bookmarked(self, inner: str, name: str) -> str:
        """``inner`` runs inside a bookmark the contents' links and page numbers point at."""
        mark = next(self.ids)
        return (
            f'<w:bookmarkStart w:id="{mark}" w:name="{name}"/>{inner}<w:bookmarkEnd w:id="{mark}"/>'
        )

    def heading(self, inner: str, level: int, *, mark: str = "") -> str:
        ppr = "<w:pageBreakBefore/>" if level == 1 else ""
        return self.para(inner, style=f"Heading{level}", ppr=ppr, mark=mark)

    def section(self, section: ExportSection, *, bookmark: str = "") -> None:
        w = self.body.append
        title = self.runs(section.title_inlines())
        if bookmark:
            title = self.bookmarked(title, bookmark)
        w(self.heading(title, 1, mark=_MARK.get(section.change, "")))
        if section.change or section.moved:
            w(self.para(self.flag(section.change, section.moved, section.note), ppr=_KEEP))
        self.rich(section.introduction_rich())
        for practice in section.practices:
            self.practice(practice)

    def practice(self, practice: ExportPractice) -> None:
        w = self.body.append
        # A practice added or deleted whole: its label and lead go with it on Accept/Reject.
        mark = _MARK.get(practice.change, "")
        label_style = frozenset({mark}) if mark else frozenset()
        w(self.heading(self.run(practice.label, label_style), 2, mark=mark))
        if practice.change or practice.moved:
            w(self.para(self.flag(practice.change, practice.moved, practice.note), ppr=_KEEP))
        # The lead's footnotes are the first of the practice's notes (markup.lead).
        body = practice.body_rich()
        w(
            self.para(
                self.runs(practice.heading_inlines(), style=frozenset({"strong"}), rich=body),
                ppr=_KEEP,
                mark=mark,
            )
        )
        self.rich(body)

    def digest(self, text_digest: str) -> None:
        """The closing lines of an adoption package's Word file: the clean text's digest."""
        self.body.append(self.para(self.run(DIGEST_LEAD, frozenset({"small"}))))
        self.body.append(self.para(self.run(text_digest, frozenset({"code", "small"}))))

    def flag(self, change, moved: bool, note: str) -> str:
        words = " · ".join(x.upper() for x in [change, "moved" if moved else None] if x)
        props = '<w:color w:val="6B4E00"/><w:sz w:val="18"/><w:shd w:val="clear" w:fill="FFF3C4"/>'
        return self.run(f"{words} — {note}" if note else words, frozenset({"strong"}), extra=props)


# A sub-item's hanging indent per level (twips: 1 cm), and the text width (16.2 cm).
_SUB_INDENT = 567
_TEXT_WIDTH = 9184
_JC = {"left": "left", "center": "center", "right": "right"}
# Labels, flags and leads stay on the page of the text they introduce.
_KEEP = "<w:keepNext/>"
# A line of the contents: the page number at the right margin (16.2 cm), dots up to it.
_CONTENTS_LINE = (
    '<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9184"/></w:tabs><w:spacing w:after="60"/>'
)
# Names starting with "_" are hidden bookmarks in Word, as its own "_Toc…" ones are.
_INTRO_BOOKMARK = "_TocIntroduction"


# The text of a paragraph's runs, as written (still XML-escaped), and the properties
# that CT_PPr puts after w:bidi (ECMA-376 17.3.1.26): w:bidi goes before the first of them.
_RUN_TEXT = re.compile(r"<w:(?:t|delText)(?: [^>]*)?>([^<]*)</w:")
_AFTER_BIDI = re.compile(
    r"<w:(?:adjustRightInd|snapToGrid|spacing|ind|contextualSpacing|mirrorIndents|"
    r"suppressOverlap|jc|textDirection|textAlignment|textboxTightWrap|outlineLvl)\b"
)


def _with_direction(ppr: str, inner: str) -> str:
    """``ppr`` with ``<w:bidi/>`` when the paragraph ``inner`` holds is right to left: its
    first strong letter decides (``drafting.bidi``), as it does on the pages and in the PDF.
    No alignment is written: a bidi paragraph starts, and so aligns, at the right margin."""
    if "<w:bidi/>" in ppr:
        return ppr
    words = html.unescape("".join(_RUN_TEXT.findall(inner)))
    if not bidi.is_rtl(words):
        return ppr
    m = _AFTER_BIDI.search(ppr)
    at = m.start() if m else len(ppr)
    return ppr[:at] + "<w:bidi/>" + ppr[at:]


def _section_bookmark(n: int) -> str:
    return f"_TocSection{n}"


# A section or practice added or deleted whole: the mark of each of its paragraphs.
_MARK = {"added": "ins", "deleted": "del"}


def render(doc: ExportDocument) -> bytes:
    document = new_docx()
    _page_setup(document, doc)
    _styles(document)
    writer = _Writer(doc, document.part)
    writer.cover()
    writer.toc()
    intro = doc.introduction_rich()
    if not intro.empty:
        title = writer.bookmarked(writer.run("Introduction", frozenset()), _INTRO_BOOKMARK)
        writer.body.append(writer.heading(title, 1))
        writer.rich(intro)
    for n, section in enumerate(doc.sections, start=1):
        writer.section(section, bookmark=_section_bookmark(n))
    if doc.text_digest:
        writer.digest(doc.text_digest)

    body = document.element.body
    sect_pr = body.sectPr
    body.remove(sect_pr)
    for child in list(body):
        body.remove(child)
    parsed = parse_xml(f"<w:body {_NS}>{''.join(writer.body)}</w:body>")
    body.extend(list(parsed))
    body.append(sect_pr)
    if writer.footnotes:
        _add_footnotes(document, writer.footnotes)
    _update_fields_on_open(document)
    # File properties are XML too: the characters XML forbids would stop the save.
    # Word's core properties hold at most 255 characters each (python-docx refuses more);
    # a document title may be longer (300), and the full title is on the cover anyway.
    document.core_properties.title = _property(doc.cover.title)
    document.core_properties.subject = _property(doc.what)
    document.core_properties.author = _property(doc.cover.forum)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page_setup(document, doc: ExportDocument) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.4)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
    # The cover has no header or footer.
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    # The Header style's own stops (centre 4680, right 9360) are cleared: one tab must take
    # DRAFT to the right margin (16.2 cm of text = 9184 twips), not to the page's middle.
    tab = (
        '<w:tabs><w:tab w:val="clear" w:pos="4680"/><w:tab w:val="clear" w:pos="9360"/>'
        '<w:tab w:val="right" w:pos="9184"/></w:tabs>'
    )
    right = "DRAFT" if doc.draft else ("REDLINE" if doc.redline else "")
    header_xml = (
        f'<w:p {_NS}><w:pPr><w:pStyle w:val="Header"/>{tab}</w:pPr>'
        f'<w:r><w:rPr><w:sz w:val="17"/></w:rPr><w:t xml:space="preserve">'
        f"{_x(doc.cover.short_title)}</w:t></w:r><w:r><w:tab/></w:r>"
        f'<w:r><w:rPr><w:b/><w:color w:val="B3261E"/><w:sz w:val="17"/></w:rPr>'
        f"<w:t>{right}</w:t></w:r></w:p>"
    )
    header._p.addprevious(parse_xml(header_xml))
    header._p.getparent().remove(header._p)
    footer = section.footer.paragraphs[0]
    footer._p.addprevious(
        parse_xml(
            f'<w:p {_NS}><w:pPr><w:pStyle w:val="Footer"/><w:jc w:val="center"/></w:pPr>'
            '<w:fldSimple w:instr=" PAGE "><w:r><w:t>2</w:t></w:r></w:fldSimple></w:p>'
        )
    )
    footer._p.getparent().remove(footer._p)


def _styles(document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(11)
    rfonts = normal.element.rPr.rFonts
    rfonts.set(qn("w:cs"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(6)
    for name, size in [("Heading 1", 16), ("Heading 2", 11), ("Title", 24)]:
        style = styles[name]
        style.font.name = "Times New Roman"
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x22, 0x22, 0x22)
        style.font.bold = True
        style.paragraph_format.keep_with_next = True  # never alone at the foot of a page
    styles["Heading 2"].font.color.rgb = RGBColor(0x44, 0x44, 0x44)


_SEPARATORS = (
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
    'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p>'
    "</w:footnote>"
)


def _add_footnotes(document, notes: list[str]) -> None:
    """A footnotes part with Word's two separator notes, as Word itself writes it."""
    xml = f"<w:footnotes {_NS}>{_SEPARATORS}{''.join(notes)}</w:footnotes>"
    part = XmlPart(
        PackURI("/word/footnotes.xml"),
        CT.WML_FOOTNOTES,
        parse_xml(xml),
        document.part.package,
    )
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    settings = document.settings.element
    footnote_pr = parse_xml(
        f'<w:footnotePr {_NS}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
    )
    compat = settings.find(qn("w:compat"))
    if compat is not None:
        compat.addprevious(footnote_pr)
    else:
        settings.append(footnote_pr)


# What follows w:updateFields in CT_Settings (ECMA-376 17.15.1.78): it goes before the first.
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids")


def _update_fields_on_open(document) -> None:
    """Ask Word to update fields when the file opens, so the contents gets its page numbers
    without the reader pressing F9 (Word asks first: the fields could refer to other files)."""
    settings = document.settings.element
    flag = parse_xml(f'<w:updateFields {_NS} w:val="true"/>')
    for name in _AFTER_UPDATE_FIELDS:
        following = settings.find(qn(f"w:{name}"))
        if following is not None:
            following.addprevious(flag)
            return
    settings.append(flag)


def _property(value: str) -> str:
    """``value`` as a Word core property: no XML-invalid characters, at most 255 characters."""
    return _XML_INVALID.sub("", value)[:255]
