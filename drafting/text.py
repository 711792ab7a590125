"""The one renderer for user text: restricted Markdown -> sanitised HTML.

Paragraphs, bullet and numbered lists, emphasis, links and footnotes. Raw HTML
typed by a user is not interpreted (markdown-it escapes it) and the output is
sanitised again with nh3, so nothing a user typed reaches a page as markup.
Rendering is memoised by text: the same practice body renders once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .disable(["image", "heading", "lheading", "code", "fence", "hr", "html_block", "html_inline"])
    .use(footnote_plugin)
)

_ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "sup",
    "section",
    "hr",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "id", "class", "title"},
    "sup": {"class", "id"},
    "li": {"id", "class"},
    "section": {"class"},
    "ol": {"class", "start"},
    "hr": {"class"},
}


@lru_cache(maxsize=8192)
def _render(source: str, prefix: str) -> str:
    html = _md.render(source, {"footnote_prefix": prefix} if prefix else {})
    if prefix:
        # Footnote anchors must be unique when many practices share a page.
        html = html.replace('id="fn', f'id="{prefix}fn').replace('href="#fn', f'href="#{prefix}fn')
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render(source: str | None, *, anchor_prefix: str = "") -> SafeString:
    """Render user Markdown to safe HTML. ``anchor_prefix`` keeps footnote ids unique."""
    return mark_safe(_render(source or "", anchor_prefix))  # noqa: S308  (sanitised by nh3)


# What the application itself wraps around escaped user text: redlines, search highlights.
_MARKUP_TAGS = {"ins", "del", "mark", "div", "strong"}
# Merges mark whose change each <ins>/<del> is (class) and name who made it (title).
_MARKUP_ATTRIBUTES = {"div": {"class"}, "ins": {"class", "title"}, "del": {"class", "title"}}
_TAG = re.compile(r"(<[^>]*>)")


def markup(html: str) -> SafeString:
    """Sanitise HTML the application built around escaped user text (redlines, highlights).

    Callers escape every piece of user text first; this is the second line, so the
    only HTML made from user input that reaches a page comes out of this module.
    """
    return mark_safe(_markup(html))  # noqa: S308  (sanitised by nh3)


@lru_cache(maxsize=8192)
def _markup(html: str) -> str:
    cleaned = nh3.clean(html, tags=_MARKUP_TAGS, attributes=_MARKUP_ATTRIBUTES)
    # nh3 writes quotes in text literally; put back the entities Django's escape() wrote.
    return "".join(
        part if part.startswith("<") else part.replace('"', "&quot;").replace("'", "&#x27;")
        for part in _TAG.split(cleaned)
    )


def plain(source: str | None) -> str:
    """Text without markup, for search snippets and titles."""
    return nh3.clean(_render(source or "", ""), tags=set()).strip()


def parse(source: str | None) -> list:
    """The markdown-it token stream of ``source`` under the same rules as ``render()``.

    For exports that typeset the text themselves (PDF, Word, Markdown) and so
    must walk the structure rather than the HTML; what ``render()`` would not
    interpret (headings, raw HTML, images) arrives here as plain text too.
    """
    return _md.parse(source or "")
