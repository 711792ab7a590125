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
    sections = [_section(s) for s in doc.sections]
    intro = _text(doc.introduction, doc.old_introduction, "intro-", None)
    return {"doc": doc, "cover": doc.cover, "intro": intro, "sections": sections}


def _section(section: ExportSection) -> _Block:
    return _Block(
        key=section.key,
        label="",
        heading=_line(section.title, section.old_title, section.change, section.title_changed),
        body=_text(
            section.introduction,
            section.old_introduction if section.change else None,
            f"{section.key}-",
            section.change,
        ),
        change=section.change,
        moved=section.moved,
        note=section.note,
        flag=_flag(section.change, section.moved),
        css=_css(section.change, section.moved),
        practices=[_practice(p) for p in section.practices],
    )


def _practice(practice: ExportPractice) -> _Block:
    return _Block(
        key=practice.key,
        label=practice.label,
        heading=_line(
            practice.heading, practice.old_heading, practice.change, practice.heading_changed
        ),
        body=_text(
            practice.body,
            practice.old_body if practice.change else None,
            f"{practice.key}-",
            practice.change,
        )
        + _reservations(practice),
        change=practice.change,
        moved=practice.moved,
        note=practice.note,
        flag=_flag(practice.change, practice.moved),
        css=_css(practice.change, practice.moved),
    )


def _reservations(practice: ExportPractice) -> SafeString:
    """Reservations on the record, as the practice's closing notes (as on the document page).

    The lead is the application's words (escaped by format_html); the statement goes
    through the one renderer.
    """
    if not practice.reservations:
        return SafeString("")
    notes = format_html_join(
        "",
        '<div class="reservation-note"><p class="reservation-lead">{}</p>{}</div>',
        (
            (lead.strip(), text.render(statement, anchor_prefix=f"{practice.key}-r{n}-"))
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


def _text(new: str, old: str | None, prefix: str, change: str | None) -> SafeString:
    if change == "deleted":
        return text.render(old or "", anchor_prefix=prefix)
    if change == "changed" and old is not None and old != new:
        return text.markup(f'<div class="redline">{diff.redline_html(old, new)}</div>')
    if change is None and old is not None and old != new:  # the document's introduction
        return text.markup(f'<div class="redline">{diff.redline_html(old, new)}</div>')
    return text.render(new, anchor_prefix=prefix)


def _flag(change: str | None, moved: bool) -> str:
    return " · ".join(x.upper() for x in [change, "moved" if moved else None] if x)


def _css(change: str | None, moved: bool) -> str:
    return " ".join(x for x in [change, "moved" if moved else ""] if x)
