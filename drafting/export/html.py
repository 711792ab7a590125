"""Standalone HTML export: one printable file, CSS inlined, no script and no external resource.

Text goes through the same renderer as the pages (``text.render()``) and
redlines through ``diff.redline_html()``, so the file reads exactly like the
document page; the template only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from drafting import brackets, diff, text
from drafting.export.snapshot import ExportDocument, ExportPractice, ExportSection

CONTENT_TYPE = "text/html; charset=utf-8"
EXTENSION = "html"


@dataclass
class _Block:
    """One section or practice, its text already rendered to safe HTML."""

    key: str
    label: str
    heading: SafeString
    body: SafeString
    change: str | None
    moved: bool
    note: str
    flag: str
    css: str
    practices: list[_Block] | None = None


def render(doc: ExportDocument) -> bytes:
    """The standalone HTML file of ``doc`` (UTF-8 bytes)."""
    return render_to_string("drafting/exports/document.html", context(doc)).encode()


def context(doc: ExportDocument) -> dict:
    """What ``drafting/exports/_document_body.html`` lays out: cover, contents and text.

    Every text is already rendered (and sanitised) HTML; the on-screen version page
    uses the same context, so a version reads on screen exactly as its HTML file.
    """
    notes = _Notes()
    intro = _text(
        doc.introduction, doc.old_introduction, "intro-", None, notes.take(doc.introduction)
    )
    sections = [_section(s, notes) for s in doc.sections]
    return {"doc": doc, "cover": doc.cover, "intro": intro, "sections": sections}


class _Notes:
    """Footnotes are numbered through the whole document, as on the pages."""

    def __init__(self) -> None:
        self.next = 1

    def take(self, body: str | None, lead: str | None = "") -> int:
        first = self.next
        self.next += text.footnote_count(body, lead)
        return first


def _section(section: ExportSection, notes: _Notes) -> _Block:
    first = notes.take(section.introduction)
    return _Block(
        key=section.key,
        label="",
        heading=_line(section.title, section.old_title, section.change, section.title_changed),
        body=_text(
            section.introduction,
            section.old_introduction if section.change else None,
            f"{section.key}-",
            section.change,
            first,
        ),
        change=section.change,
        moved=section.moved,
        note=section.note,
        flag=_flag(section.change, section.moved),
        css=_css(section.change, section.moved),
        practices=[_practice(p, notes) for p in section.practices],
    )


def _practice(practice: ExportPractice, notes: _Notes) -> _Block:
    first = notes.take(practice.body, practice.heading)
    # Reservations on the record are the practice's last notes (as in Word and the PDF).
    reserved_from = notes.next
    notes.next += len(practice.reservations)
    prefix = f"{practice.key}-"
    if practice.change in ("added", "deleted"):
        lead, source = (
            (practice.heading, practice.body)
            if practice.change == "added"
            else (practice.old_heading, practice.old_body)
        )
        mark = "ins" if practice.change == "added" else "del"
        shown = text.render_lead(lead, source, anchor_prefix=prefix, start=first)
        heading = format_html("<{}>{}</{}>", mark, shown, mark) if lead else shown
        body = text.render(source, anchor_prefix=prefix, start=first, lead=lead)
    elif practice.heading_changed or practice.body_changed:
        # The lead's and the body's footnotes are one sequence, compared together (the
        # redline numbers them within the practice).
        heading, body = diff.practice_redline(
            practice.old_heading, practice.old_body, practice.heading, practice.body
        )
        if not practice.heading_changed:
            heading = text.render_lead(practice.heading, practice.body)
        if practice.body_changed or diff.has_notes(practice.old_heading, practice.heading):
            body = text.markup(f'<div class="redline">{body}</div>')
        else:
            body = text.render(practice.body, anchor_prefix=prefix, lead=practice.heading)
    else:
        heading = text.render_lead(
            practice.heading, practice.body, anchor_prefix=prefix, start=first
        )
        body = text.render(practice.body, anchor_prefix=prefix, start=first, lead=practice.heading)
    return _Block(
        key=practice.key,
        label=practice.label,
        heading=heading,
        body=body + _reservations(practice, reserved_from),
        change=practice.change,
        moved=practice.moved,
        note=practice.note,
        flag=_flag(practice.change, practice.moved),
        css=_css(practice.change, practice.moved),
    )


def _reservations(practice: ExportPractice, first: int = 1) -> SafeString:
    """Reservations on the record, as the practice's closing notes (as on the document page),
    numbered from ``first`` in the document's sequence of footnotes.

    The lead is the application's words (escaped by format_html); the statement goes
    through the one renderer.
    """
    if not practice.reservations:
        return SafeString("")
    notes = format_html_join(
        "",
        '<div class="reservation-note"><p class="reservation-lead">{}. {}</p>{}</div>',
        (
            (
                first + n - 1,
                lead.strip(),
                text.render(statement, anchor_prefix=f"{practice.key}-r{n}-"),
            )
            for n, (lead, statement) in enumerate(practice.reservations, start=1)
        ),
    )
    return format_html('<div class="reservation-notes">{}</div>', notes)


def _line(new: str, old: str, change: str | None, changed: bool) -> SafeString:
    if change == "added":
        return text.markup(f"<ins>{escape(brackets.printed(new))}</ins>")
    if change == "deleted":
        return text.markup(f"<del>{escape(brackets.printed(old))}</del>")
    if changed:
        return diff.redline_html(old, new)
    return text.render_line(new)


def _text(new: str, old: str | None, prefix: str, change: str | None, start: int = 1) -> SafeString:
    if change == "deleted":
        return text.render(old or "", anchor_prefix=prefix, start=start)
    if change == "changed" and old is not None and old != new:
        return text.markup(f'<div class="redline">{diff.redline_html(old, new)}</div>')
    if change is None and old is not None and old != new:  # the document's introduction
        return text.markup(f'<div class="redline">{diff.redline_html(old, new)}</div>')
    return text.render(new, anchor_prefix=prefix, start=start)


def _flag(change: str | None, moved: bool) -> str:
    return " · ".join(x.upper() for x in [change, "moved" if moved else None] if x)


def _css(change: str | None, moved: bool) -> str:
    return " ".join(x for x in [change, "moved" if moved else ""] if x)
