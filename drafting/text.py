"""The one renderer for user text: restricted Markdown -> sanitised HTML.

Paragraphs, bullet and numbered lists, emphasis, links and footnotes. Raw HTML
typed by a user is not interpreted (markdown-it escapes it) and the output is
sanitised again with nh3, so nothing a user typed reaches a page as markup.
Rendering is memoised by text, within a fixed memory budget per process
(``RENDER_CACHE_BYTES``, least recently used first out): the same practice body
renders once, while texts seen once (live previews, which are never remembered)
cannot grow a worker's memory.

The text format's limits live here too, as one rule with two sides: texts are
refused when saved (``validate_markdown``, a validator on the model fields and
the forms: a message a person can act on), and whatever is already stored (the
history is append-only, so old versions keep what they had) is flattened when
read (``parse``): levels deeper than the limit are shown at the deepest allowed
level. The pages, the HTML export and the PDF, Word and Markdown writers all
read text through ``parse``/``render``, so no stored text can break any of them.
"""

from __future__ import annotations

import re
import sys
import threading

import nh3
from cachetools import LRUCache
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from drafting import brackets

# markdown-it stops parsing at maxNesting levels and silently drops what lies
# deeper (and what follows it in the same container). 50 keeps everything up to
# 25 nested lists or 50 quotes, far past what the limits below allow, while its
# recursion (about two frames a level) stays far from Python's limit.
_PARSER_NESTING = 50

_md = (
    MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": False, "maxNesting": _PARSER_NESTING},
    )
    .disable(["image", "heading", "lheading", "code", "fence", "hr", "html_block", "html_inline"])
    .use(footnote_plugin)
)


def _bracket_rule(state, silent: bool) -> bool:
    """Inline rule: ``[[text]]{US, MA}`` is one alternative of a square bracket (drafting.brackets).

    The text inside is parsed as ordinary inline Markdown (emphasis, links). The
    open token carries "[" and the close token " (US, MA)]" as content: the
    exports (drafting/export/markup.py) print them as text, the page renderer
    below wraps them in a span.
    """
    if not state.src.startswith("[[", state.pos):
        return False
    m = brackets.ALTERNATIVE.match(state.src, state.pos)
    if m is None:
        return False
    if not silent:
        codes = brackets.codes_of(m["codes"])
        opening = state.push("bracket_open", "span", 1)
        opening.meta = {"codes": codes}
        opening.content = "["
        pos, end = state.pos, state.posMax
        state.pos, state.posMax = m.start("text"), m.end("text")
        state.md.inline.tokenize(state)
        state.pos, state.posMax = pos, end
        closing = state.push("bracket_close", "span", -1)
        closing.meta = {"codes": codes}
        closing.content = f" ({', '.join(codes)})]" if codes else "]"
    state.pos = m.end()
    return True


def _render_bracket_open(renderer, tokens, idx, options, env) -> str:
    return _bracket_opening(tokens[idx].meta["codes"])


def _render_bracket_close(renderer, tokens, idx, options, env) -> str:
    return _bracket_closing(tokens[idx].meta["codes"])


def _bracket_opening(codes: tuple[str, ...]) -> str:
    who = f"proposed by {escape(', '.join(codes))}" if codes else "the text as it stands"
    return f'<span class="bracket" title="In square brackets: {who}">['


def _bracket_closing(codes: tuple[str, ...]) -> str:
    if not codes:
        return "]</span>"
    return f'<span class="bracket-by"> ({escape(", ".join(codes))})</span>]</span>'


_md.inline.ruler.before("link", "bracket", _bracket_rule)
_md.add_render_rule("bracket_open", _render_bracket_open)
_md.add_render_rule("bracket_close", _render_bracket_close)

# The limits of the text format. The typesetter (Typst) gives up on quotes nested
# about 17 deep and on emphasis nested about 100 deep; no real text needs more than
# a few levels, so the limits are well inside both.
MAX_NESTING = 8  # block levels: quotes and lists, combined
MAX_INLINE_NESTING = 8  # emphasis, strong emphasis and links inside one another
# "[" characters one text may hold (footnote markers, links, square brackets: each a few).
MAX_OPEN_SQUARE = 600
MAX_LENGTH = 20_000  # characters in one text (a practice's body, an introduction)

_LEVELS = {"blockquote_open", "bullet_list_open", "ordered_list_open"}

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
    "span",
}
_ALLOWED_ATTRIBUTES = {
    "span": {"class", "title"},
    "a": {"href", "id", "class", "title"},
    "sup": {"class", "id"},
    "li": {"id", "class"},
    "section": {"class"},
    "ol": {"class", "start"},
    "hr": {"class"},
}


def _parse(source: str, env: dict | None = None) -> tuple[list, int, int]:
    """Tokens of ``source`` flattened to the limits, and the depths it had as typed."""
    tokens = _md.parse(source, {} if env is None else env)
    depth = _flatten_blocks(tokens)
    inline_depth = 0
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            inline_depth = max(inline_depth, _flatten_inlines(tok))
    return tokens, depth, inline_depth


def _flatten_blocks(tokens: list) -> int:
    """Drop quote and list wrappers deeper than MAX_NESTING, keeping what they hold.

    What the dropped levels held is rendered at the deepest allowed level: the
    items of a dropped list become paragraphs there. Returns the deepest level
    the text had as typed. Works in place on a fresh token list.
    """
    kept: list = []
    # One entry per open block: "level" / "block" (kept), "shown" (a tight item's
    # paragraph now on its own line), "dropped-level" / "dropped-item" (not kept).
    stack: list[str] = []
    depth = typed = deepest = 0
    for tok in tokens:
        if tok.nesting == 1:
            if tok.type in _LEVELS:
                typed += 1
                deepest = max(deepest, typed)
                if depth >= MAX_NESTING:
                    stack.append("dropped-level")
                    continue
                depth += 1
                stack.append("level")
            elif tok.type == "list_item_open" and stack and stack[-1] == "dropped-level":
                stack.append("dropped-item")
                continue
            elif tok.type == "paragraph_open" and tok.hidden and stack[-1:] == ["dropped-item"]:
                tok.hidden = False
                stack.append("shown")
            else:
                stack.append("block")
            kept.append(tok)
        elif tok.nesting == -1 and stack:
            kind = stack.pop()
            typed -= kind in ("level", "dropped-level")
            depth -= kind == "level"
            if kind.startswith("dropped"):
                continue
            if kind == "shown":
                tok.hidden = False
            kept.append(tok)
        else:
            kept.append(tok)
    tokens[:] = kept
    return deepest


def _flatten_inlines(inline) -> int:
    """Drop emphasis and link marks deeper than MAX_INLINE_NESTING; their text stays.

    Returns the deepest inline nesting before flattening.
    """
    kept = []
    stack: list[bool] = []
    deepest = 0
    for tok in inline.children:
        if tok.nesting == 1:
            deepest = max(deepest, len(stack) + 1)
            keep = sum(stack) < MAX_INLINE_NESTING
            stack.append(keep)
            if keep:
                kept.append(tok)
        elif tok.nesting == -1 and stack:
            if stack.pop():
                kept.append(tok)
        else:
            kept.append(tok)
    inline.children = kept
    return deepest


def problems(source: str | None) -> list[str]:
    """What in ``source`` the text format does not allow, in words for the person who typed it.

    The one rule the forms, the model validators and the actions share; the
    renderer and the exporters apply the same limits by flattening.
    """
    source = source or ""
    found = []
    if len(source) > MAX_LENGTH:
        found.append(
            f"The text is {len(source):,} characters long; the limit is {MAX_LENGTH:,}. "
            "Split it into several parts."
        )
        return found  # do not parse a text this size only to say more
    if source.count("[") > MAX_OPEN_SQUARE:
        # Markdown's link-label search is quadratic in runs of "[": 20,000 of them took
        # seconds. Real texts hold a few dozen (footnotes, links, square brackets).
        found.append(
            f"The text holds {source.count('['):,} opening square brackets “[”; the limit is "
            f"{MAX_OPEN_SQUARE:,}. Remove the ones that are not footnotes, links or brackets."
        )
        return found
    _, depth, inline_depth = _parse(source)
    if depth > MAX_NESTING:
        found.append(
            f"Quotes and lists can be nested at most {MAX_NESTING} levels deep; "
            f"this text has {depth}."
        )
    if inline_depth > MAX_INLINE_NESTING:
        found.append(
            f"Emphasis and links can be nested at most {MAX_INLINE_NESTING} levels deep; "
            f"this text has {inline_depth}."
        )
    found.extend(brackets.problems(source))
    return found


def unknown_delegations(source: str | None) -> list[str]:
    """Messages for delegation codes in ``source``'s brackets that name no delegation.

    One query, and only for a text that has brackets.
    """
    codes = brackets.all_codes(source)
    if not codes:
        return []
    from drafting.models import Delegation  # the models import this module

    known = {c.upper() for c in Delegation.objects.values_list("code", flat=True)}
    unknown = sorted(codes - known)
    if not unknown:
        return []
    return [
        f"No delegation has the short code {', '.join(unknown)}; "
        "use the codes listed on the delegations' page (for example US, FR)."
    ]


def validate_markdown(value: str | None) -> None:
    """Model and form field validator: raises ``ValidationError`` listing ``problems(value)``."""
    found = problems(value) or unknown_delegations(value)
    if found:
        raise ValidationError(found, code="text_format")


def line_problems(source: str | None) -> list[str]:
    """What a one-line text (a practice's lead sentence) may not hold: malformed brackets."""
    return brackets.problems(source)


def validate_line(value: str | None) -> None:
    """Validator of one-line texts that may carry square brackets (a practice's lead)."""
    found = line_problems(value) or unknown_delegations(value)
    if found:
        raise ValidationError(found, code="text_format")


# Memory the memo of rendered texts may hold per process (keys and values, as Python
# counts them): about 3,000 practice bodies of 2,000 characters, or a whole
# 400-practice document several times over. Without a budget a count of entries
# bounds nothing: 8,192 previews of 40,000 characters kept several hundred MB.
RENDER_CACHE_BYTES = 32 * 1024 * 1024


class Memo:
    """A least-recently-used memo of strings, bounded by the memory of what it holds.

    Keys are tuples of strings; each entry weighs its key and value as Python counts
    them (``sys.getsizeof``). Thread-safe. One class for every memo of user text.
    """

    def __init__(self, max_bytes: int) -> None:
        self._entries: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda entry: entry[0])
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def put(self, key: tuple, value: str) -> None:
        size = sum(sys.getsizeof(part) for part in key) + sys.getsizeof(value)
        if size > self._entries.maxsize:
            return  # larger than the whole budget: not worth evicting everything for
        with self._lock:
            self._entries[key] = (size, value)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """Memory held now (keys and values), at most ``max_bytes``."""
        return self._entries.currsize

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_rendered = Memo(RENDER_CACHE_BYTES)
_marked_up = Memo(RENDER_CACHE_BYTES // 2)


def _render(source: str, prefix: str, *, remember: bool = True) -> str:
    key = (source, prefix)
    html = _rendered.get(key)
    if html is None:
        html = _render_now(source, prefix)
        if remember:
            _rendered.put(key, html)
    return html


def _render_now(source: str, prefix: str) -> str:
    env: dict = {}
    tokens, _, _ = _parse(source, env)
    html = _md.renderer.render(tokens, _md.options, env)
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


def render(source: str | None, *, anchor_prefix: str = "", remember: bool = True) -> SafeString:
    """Render user Markdown to safe HTML. ``anchor_prefix`` keeps footnote ids unique.

    ``remember=False`` for text that is shown once (a live preview of what is being
    typed): it is rendered without taking a place in the memo of stored texts.
    """
    html = _render(source or "", anchor_prefix, remember=remember)
    return mark_safe(html)  # noqa: S308  (sanitised by nh3)


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


def _markup(html: str) -> str:
    cleaned = _marked_up.get((html,))
    if cleaned is None:
        cleaned = _markup_now(html)
        _marked_up.put((html,), cleaned)
    return cleaned


def _markup_now(html: str) -> str:
    cleaned = nh3.clean(html, tags=_MARKUP_TAGS, attributes=_MARKUP_ATTRIBUTES)
    # nh3 writes quotes in text literally; put back the entities Django's escape() wrote.
    return "".join(
        part if part.startswith("<") else part.replace('"', "&quot;").replace("'", "&#x27;")
        for part in _TAG.split(cleaned)
    )


def render_line(source: str | None) -> SafeString:
    """A one-line plain text (a practice's lead sentence) as HTML: escaped, with its brackets.

    Nothing else is interpreted, as before brackets existed: the lead is plain text.
    """
    source = source or ""
    if "[[" not in source:
        return escape(source)
    parts, pos = [], 0
    for m in brackets.ALTERNATIVE.finditer(source):
        codes = brackets.codes_of(m["codes"])
        parts += [escape(source[pos : m.start()]), _bracket_opening(codes)]
        parts += [escape(m["text"]), _bracket_closing(codes)]
        pos = m.end()
    parts.append(escape(source[pos:]))
    html = nh3.clean("".join(parts), tags={"span"}, attributes={"span": {"class", "title"}})
    return mark_safe(html)  # noqa: S308  (every piece escaped, then sanitised by nh3)


def plain(source: str | None) -> str:
    """Text without markup, for search snippets and titles."""
    return nh3.clean(_render(source or "", ""), tags=set()).strip()


def parse(source: str | None) -> list:
    """The markdown-it token stream of ``source`` under the same rules as ``render()``.

    For exports that typeset the text themselves (PDF, Word, Markdown) and so
    must walk the structure rather than the HTML; what ``render()`` would not
    interpret (headings, raw HTML, images) arrives here as plain text too.
    Quotes, lists and emphasis nested deeper than the limits are flattened.
    """
    return _parse(source or "")[0]
