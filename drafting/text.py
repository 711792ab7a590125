"""The one renderer for user text: restricted Markdown -> sanitised HTML.

Paragraphs, bullet and numbered lists, emphasis, links, footnotes, GFM pipe
tables and labelled sub-items: a paragraph that starts "(a) " or "(i) " is an
item with a hanging indent; its level is 2 when it is indented by two spaces or
more, or when a roman "(i)" follows a letter other than "(h)" (as the importer
reads typed items). Footnotes are numbered from ``start`` (a document numbers
them continuously), and a practice's lead sentence may carry footnote
references whose notes are defined in its body (``lead_labels``). Raw HTML
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

import copy
import re
import sys
import threading
from collections.abc import Iterable
from functools import lru_cache

import nh3
from cachetools import LRUCache
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token
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
    .enable("table")
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


# --- footnotes numbered from a start --------------------------------------------
# The footnote plugin numbers each text's notes from 1; a document numbers them
# through the whole text, so the caption and the list's start read ``footnote_start``
# from the render environment (the anchors keep the plugin's own ids: they only need
# to be unique, which the anchor prefix sees to).


def _render_footnote_caption(renderer, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    n = str(meta["id"] + int(env.get("footnote_start", 1)))
    if meta.get("subId", -1) > 0:
        n += ":" + str(meta["subId"])
    return f"[{n}]"


def _render_footnote_block_open(renderer, tokens, idx, options, env) -> str:
    start = int(env.get("footnote_start", 1))
    attr = f' start="{start}"' if start != 1 else ""
    return (
        '<hr class="footnotes-sep">\n<section class="footnotes">\n'
        f'<ol class="footnotes-list"{attr}>\n'
    )


_md.add_render_rule("footnote_caption", _render_footnote_caption)
_md.add_render_rule("footnote_block_open", _render_footnote_block_open)


# --- labelled sub-items: "(a) text", "  (i) text" -----------------------------------

SUB_ITEM = re.compile(r"\((?P<tag>[a-z]{1,2}|[ivxlc]{1,6}|[A-Z]|\d{1,2})\)[ \t]+")
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"}
MAX_SUB_LEVEL = 3


def sub_item_level(tag: str, indent: int, previous_letter: str) -> int:
    """The level of a sub-item labelled ``(tag)``: by its indentation (two spaces a level),
    else 2 for a roman numeral that does not continue the letters ("(i)" after "(c)")."""
    if indent >= 2:
        return min(1 + indent // 2, MAX_SUB_LEVEL)
    expected = chr(ord(previous_letter) + 1) if previous_letter else "a"
    return 2 if tag in _ROMAN and tag != expected else 1


def _split_item_lines(state) -> None:
    """Items typed on consecutive lines ("(a) one" newline "(b) two", as pasted text
    often comes) are paragraphs of their own: split a paragraph at each line break
    that is followed by a label."""
    out: list = []
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        children = tokens[i + 1].children if i + 2 < len(tokens) else None
        cuts = []
        if tok.type == "paragraph_open" and not tok.hidden and children:
            cuts = [
                j
                for j in range(len(children) - 1)
                if children[j].type == "softbreak"
                and children[j + 1].type == "text"
                and SUB_ITEM.match(children[j + 1].content)
            ]
        if not cuts:
            out.append(tok)
            i += 1
            continue
        inline, close = tokens[i + 1], tokens[i + 2]
        first_line = tok.map[0] if tok.map else 0
        start = 0
        for cut in [*cuts, len(children)]:
            part = children[start:cut]
            line = first_line + sum(
                1 for c in children[:start] if c.type in ("softbreak", "hardbreak")
            )
            opening = copy.copy(tok)
            opening.attrs = dict(tok.attrs)
            opening.map = [line, line + 1] if tok.map else None
            piece = copy.copy(inline)
            piece.children = part
            out += [opening, piece, copy.copy(close)]
            start = cut + 1
        i += 3
    state.tokens = out


def _sub_items(state) -> None:
    """Core rule: mark paragraphs that start with a label as sub-items (meta and class).

    The label leaves the paragraph's text and becomes a ``sub_label`` token, so every
    output can typeset it apart (a hanging indent on pages, a tab in Word).
    """
    lines = None
    previous_letter = ""
    tokens = state.tokens
    for i, tok in enumerate(tokens[:-1]):
        if tok.type != "paragraph_open" or tok.hidden:
            continue
        inline = tokens[i + 1]
        children = inline.children or []
        if not children or children[0].type != "text":
            continue
        m = SUB_ITEM.match(children[0].content)
        if m is None:
            continue
        if lines is None:
            lines = state.src.split("\n")
        indent = 0
        if tok.map and tok.level == 0 and tok.map[0] < len(lines):
            line = lines[tok.map[0]]
            indent = len(line) - len(line.lstrip(" "))
        tag = m["tag"]
        level = sub_item_level(tag, indent, previous_letter)
        if level == 1 and tag.isalpha() and tag.islower():
            previous_letter = tag[-1]
        label = f"({tag})"
        tok.meta = {**(tok.meta or {}), "sub_item": (label, level)}
        tok.attrSet("class", f"sub-item sub-item-{level}")
        children[0].content = children[0].content[m.end() :]
        marker = Token("sub_label", "span", 0)
        marker.content = label
        children.insert(0, marker)


def _render_sub_label(renderer, tokens, idx, options, env) -> str:
    return f'<span class="sub-label">{escape(tokens[idx].content)}</span> '


def _table_alignment(state) -> None:
    """Core rule: a column's alignment as a class ("align-right"), not the inline style
    markdown-it writes, which the Content-Security-Policy (style-src 'self') would block."""
    for tok in state.tokens:
        if tok.type in ("th_open", "td_open") and tok.attrs.get("style"):
            align = str(tok.attrs.pop("style")).partition("text-align:")[2].strip()
            if align in ("left", "center", "right"):
                tok.attrSet("class", f"align-{align}")


_md.core.ruler.push("split_item_lines", _split_item_lines)
_md.core.ruler.push("sub_items", _sub_items)
_md.core.ruler.push("table_alignment", _table_alignment)
_md.add_render_rule("sub_label", _render_sub_label)


# --- footnotes on a practice's lead sentence --------------------------------------

NOTE_REF = re.compile(r"\[\^(?P<label>[^\]\s]+)\]")
_NOTE_DEF = re.compile(r"^ {0,3}\[\^(?P<label>[^\]\s]+)\]:", re.MULTILINE)


def lead_labels(heading: str | None, body: str | None) -> tuple[str, ...]:
    """Labels of the footnotes ``heading`` (a lead sentence) references that ``body`` defines.

    In the order of first reference: they come before the body's own notes. A
    reference to a note the body does not define stays text, as in a body.
    """
    if not heading or "[^" not in heading or not body:
        return ()
    defined = {m["label"] for m in _NOTE_DEF.finditer(body)}
    return tuple(
        dict.fromkeys(m["label"] for m in NOTE_REF.finditer(heading) if m["label"] in defined)
    )


def with_lead_refs(body: str, labels: tuple[str, ...]) -> str:
    """``body`` behind a first paragraph of the lead's references (removed after parsing),
    so the lead's notes are numbered first and kept though the body may not refer to them."""
    return "".join(f"[^{label}]" for label in labels) + "\n\n" + body


def _drop_lead_paragraph(tokens: list) -> None:
    """Remove the paragraph ``with_lead_refs`` put first (its footnotes stay defined)."""
    if len(tokens) >= 3 and tokens[0].type == "paragraph_open":
        del tokens[0:3]


def _lead_ref_html(prefix: str, n: int, number: int) -> str:
    return (
        f'<sup class="footnote-ref"><a href="#{prefix}fn{n}" id="{prefix}fnref{n}">'
        f"[{number}]</a></sup>"
    )


def render_lead(
    heading: str | None, body: str | None = "", *, anchor_prefix: str = "", start: int = 1
) -> SafeString:
    """A practice's lead sentence as HTML: ``render_line`` with its footnote references
    as superscript links to the notes ``render(body, lead=heading)`` lists first."""
    labels = lead_labels(heading, body)
    if not labels:
        return render_line(heading)
    numbers = {label: n for n, label in enumerate(labels, start=1)}
    # Each reference is a private-use character while the line is escaped, then its link.
    marks = {}

    def mark(m: re.Match) -> str:
        label = m["label"]
        if label not in numbers:
            return m.group()
        char = chr(0xF0000 + numbers[label])
        marks[char] = _lead_ref_html(anchor_prefix, numbers[label], numbers[label] + start - 1)
        return char

    html = str(render_line(NOTE_REF.sub(mark, heading)))
    for char, ref in marks.items():
        html = html.replace(char, ref, 1).replace(char, "")
    html = nh3.clean(
        html,
        tags={"span", "sup", "a"},
        attributes={"span": {"class", "title"}, "sup": {"class"}, "a": {"href", "id"}},
        link_rel=None,
    )
    return mark_safe(html)  # noqa: S308  (escaped by render_line, then sanitised by nh3)


def footnote_count(source: str | None, lead: str | None = "") -> int:
    """How many footnotes ``source`` prints (with those of its lead sentence ``lead``).

    Only notes that are referenced count, as only they are printed. Memoised.
    """
    if not source or "[^" not in source:
        return 0
    return _footnote_count(source, lead_labels(lead, source))


@lru_cache(maxsize=16384)
def _footnote_count(source: str, labels: tuple[str, ...]) -> int:
    env: dict = {}
    _md.parse(with_lead_refs(source, labels) if labels else source, env)
    return len(env.get("footnotes", {}).get("list", {}))


def footnote_starts(texts: Iterable[tuple[str, str]], start: int = 1) -> list[int]:
    """The number of the first footnote of each (lead, body) in ``texts``, in document order.

    A document numbers its footnotes continuously: each text's start is one more than
    the notes of all the texts before it.
    """
    out = []
    for lead, body in texts:
        out.append(start)
        start += footnote_count(body, lead)
    return out


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
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ALLOWED_ATTRIBUTES = {
    "p": {"class"},
    # A column's alignment, as a class (_table_alignment): the page's policy forbids styles.
    "th": {"class"},
    "td": {"class"},
    "span": {"class", "title"},
    "a": {"href", "id", "class", "title"},
    "sup": {"class", "id"},
    "li": {"id", "class"},
    "section": {"class"},
    "ol": {"class", "start"},
    "hr": {"class"},
}
# Every block of user text takes its direction from its own first letter (issue 16), so an
# Arabic paragraph in an English text reads right to left and aligns right (drafting/bidi.py).
_AUTO_DIRECTION = {tag: {"dir": "auto"} for tag in ("p", "li", "th", "td")}


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


def _render(
    source: str,
    prefix: str,
    *,
    start: int = 1,
    lead: tuple[str, ...] = (),
    remember: bool = True,
) -> str:
    key = (source, prefix, str(start), *lead)
    html = _rendered.get(key)
    if html is None:
        html = _render_now(source, prefix, start, lead)
        if remember:
            _rendered.put(key, html)
    return html


def _render_now(source: str, prefix: str, start: int = 1, lead: tuple[str, ...] = ()) -> str:
    env: dict = {"footnote_start": start}
    tokens, _, _ = _parse(with_lead_refs(source, lead) if lead else source, env)
    if lead:
        _drop_lead_paragraph(tokens)
    html = _md.renderer.render(tokens, _md.options, env)
    if prefix:
        # Footnote anchors must be unique when many practices share a page.
        html = html.replace('id="fn', f'id="{prefix}fn').replace('href="#fn', f'href="#{prefix}fn')
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        set_tag_attribute_values=_AUTO_DIRECTION,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render(
    source: str | None,
    *,
    anchor_prefix: str = "",
    start: int = 1,
    lead: str | None = None,
    remember: bool = True,
) -> SafeString:
    """Render user Markdown to safe HTML. ``anchor_prefix`` keeps footnote ids unique.

    ``start`` is the number of the text's first footnote (a document numbers them
    continuously); ``lead`` the practice's lead sentence when ``source`` is its body:
    the notes the lead refers to are listed first (``render_lead`` shows its marks).
    ``remember=False`` for text that is shown once (a live preview of what is being
    typed): it is rendered without taking a place in the memo of stored texts.
    """
    source = source or ""
    html = _render(
        source,
        anchor_prefix,
        start=start,
        lead=lead_labels(lead, source),
        remember=remember,
    )
    return mark_safe(html)  # noqa: S308  (sanitised by nh3)


# What the application itself wraps around escaped user text: redlines, search highlights.
_MARKUP_TAGS = {"ins", "del", "mark", "div", "strong", "sup"}
# Merges mark whose change each <ins>/<del> is (class) and name who made it (title).
_MARKUP_ATTRIBUTES = {
    "div": {"class"},
    "ins": {"class", "title"},
    "del": {"class", "title"},
    "sup": {"class"},
}
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


def parse(source: str | None, lead: str | None = None) -> list:
    """The markdown-it token stream of ``source`` under the same rules as ``render()``.

    With ``lead`` (the practice's lead sentence), the notes the lead refers to come
    first, as in ``render``; their references are not in the stream.

    For exports that typeset the text themselves (PDF, Word, Markdown) and so
    must walk the structure rather than the HTML; what ``render()`` would not
    interpret (headings, raw HTML, images) arrives here as plain text too.
    Quotes, lists and emphasis nested deeper than the limits are flattened.
    """
    source = source or ""
    labels = lead_labels(lead, source)
    if not labels:
        return _parse(source)[0]
    tokens = _parse(with_lead_refs(source, labels))[0]
    _drop_lead_paragraph(tokens)
    return tokens
