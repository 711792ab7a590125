"""Word-level differences between two texts: the redlines every page and export shows.

Texts are compared as Markdown source, token by token (words, punctuation and
whitespace), so a moved comma or an accent change is marked precisely and
French or Arabic words are whole tokens. Tokens are made of whole grapheme
clusters (the ``regex`` module's segmentation): a combining mark stays with its
letter, so an Arabic word whose vowel mark changed is one changed word (and
stays joined when typeset), and "café" typed with a combining accent is one
word. ``segments()`` is the format-neutral result; ``redline_html()`` renders
it for pages with <ins>/<del>.

Footnotes are compared as footnotes (``noted()``): each reference becomes one
token (a private-use character standing for the note, numbered as the reader
sees it, a lead sentence's notes first), the definitions leave the body and
each note's text is compared with the same note's text before. A changed note
reads "[2] with <ins>new</ins> words" under the text, never as ``[^2]:`` codes.

Joining the equal and deleted segments always gives back the old text, and the
equal and inserted ones the new text: nothing is lost or invented.

Speed matters because "what changed since…" diffs every practice of a document
in one request. Two things keep it fast: spaces are not compared as tokens of
their own (a space between every two words made difflib's matcher quadratic on
ordinary prose), and the unchanged start and end of the texts are skipped
before the matcher runs. Redlines of the same two texts are memoised, within a
memory budget (REDLINE_MEMO_BYTES).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

import regex
from django.utils.html import escape
from django.utils.safestring import SafeString

from drafting import brackets, text

# Words, whitespace runs and single other characters. Python's ``re`` reads a
# combining mark (an Arabic vowel, an accent typed apart) as a character of its own,
# so a word would split at it; ``regex`` knows grapheme clusters (``\X``) and counts
# marks as word characters. It is about six times slower, so a text made only of
# characters on which the two agree (no combining mark, no cluster of several
# characters: Latin, Greek, Cyrillic and common punctuation, checked character by
# character in tests/test_rtl.py) is read by ``re``, with the same result.
_WORD = r"(?:(?=\w)\X)+"
_OTHER = r"(?!\s)\X"
_TOKEN_PLAIN = re.compile(r"\w+|\s+|[^\w\s]")
_TOKEN = regex.compile(rf"{_WORD}|\s+|{_OTHER}")
PLAIN_CHARACTERS = re.compile(
    r"[\x00-\x1b\x20-\xb1\xb4-\xb8\xba\xbb\xbf-\u02ff\u0370-\u0482\u048a-\u052f"
    r"\u2010-\u2027\u2030-\u203e\u2041-\u2053\u2055-\u205e\u20a0-\u20bf]*"
)

# A unit is a token that is compared (a word, a punctuation mark, a paragraph
# break, or leading whitespace) plus the "glue" after it: spaces and at most one
# line break, which read the same in Markdown and so are not compared.
_PARAGRAPH_BREAK = r"\n(?:[^\S\n]*\n)+[^\S\n]*"
_GLUE = r"(?P<glue>[^\S\n]*(?:\n(?![^\S\n]*\n)[^\S\n]*)?)"
_UNIT_PLAIN = re.compile(rf"(?P<token>{_PARAGRAPH_BREAK}|\w+|[^\w\s]|\s+){_GLUE}")
_UNIT = regex.compile(rf"(?P<token>{_PARAGRAPH_BREAK}|{_WORD}|{_OTHER}|\s+){_GLUE}")

Kind = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class Segment:
    kind: Kind
    text: str


def tokens(text: str) -> list[str]:
    """Words, punctuation marks and runs of whitespace, in order; never part of a grapheme."""
    text = text or ""
    return (_TOKEN_PLAIN if PLAIN_CHARACTERS.fullmatch(text) else _TOKEN).findall(text)


def _units(text: str) -> tuple[list[str], list[str]]:
    """The compared tokens of ``text`` and the glue that follows each one."""
    toks, glues = [], []
    text = text or ""
    for match in (_UNIT_PLAIN if PLAIN_CHARACTERS.fullmatch(text) else _UNIT).finditer(text):
        toks.append(match.group("token"))
        glues.append(match.group("glue"))
    return toks, glues


def segments(old: str, new: str) -> list[Segment]:
    """The changes that turn ``old`` into ``new``, as runs of equal/deleted/inserted text."""
    a, a_glue = _units(old)
    b, b_glue = _units(new)
    pieces: list[tuple[Kind, str]] = []
    add = pieces.append

    def equal(i: int, j: int) -> None:
        add(("equal", a[i]))
        if a_glue[i] == b_glue[j]:
            add(("equal", a_glue[i]))
        else:
            # Same word, different spacing after it ("word ," -> "word,").
            add(("delete", a_glue[i]))
            add(("insert", b_glue[j]))

    # The unchanged start and end need no matcher: most edits touch a few words.
    start, limit = 0, min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[-1 - end] == b[-1 - end]:
        end += 1

    for k in range(start):
        equal(k, k)
    middle = SequenceMatcher(None, a[start : len(a) - end], b[start : len(b) - end], False)
    for op, i1, i2, j1, j2 in middle.get_opcodes():
        i1, i2, j1, j2 = i1 + start, i2 + start, j1 + start, j2 + start
        if op == "equal":
            for k in range(i2 - i1):
                equal(i1 + k, j1 + k)
        else:
            # A replacement reads best as "deleted words, then inserted words".
            add(("delete", "".join(t + g for t, g in zip(a[i1:i2], a_glue[i1:i2], strict=True))))
            add(("insert", "".join(t + g for t, g in zip(b[j1:j2], b_glue[j1:j2], strict=True))))
    for k in range(end, 0, -1):
        equal(len(a) - k, len(b) - k)
    return _absorb_whitespace(_merge(pieces))


def _merge(pieces: list[tuple[Kind, str]]) -> list[Segment]:
    """Join neighbouring pieces of the same kind into one segment each."""
    out: list[Segment] = []
    kind: Kind | None = None
    texts: list[str] = []
    for piece_kind, chunk in pieces:
        if not chunk:
            continue
        if piece_kind != kind and texts:
            out.append(Segment(kind, "".join(texts)))  # type: ignore[arg-type]
            texts = []
        kind = piece_kind
        texts.append(chunk)
    if texts:
        out.append(Segment(kind, "".join(texts)))  # type: ignore[arg-type]
    return out


def _append(out: list[Segment], kind: Kind, text: str) -> None:
    if not text:
        return
    if out and out[-1].kind == kind:
        out[-1] = Segment(kind, out[-1].text + text)
    else:
        out.append(Segment(kind, text))


def _absorb_whitespace(segs: list[Segment]) -> list[Segment]:
    """Fold a lone space between two changes into both, so "a b" -> "c d" is one change."""
    result: list[Segment] = []
    for i, seg in enumerate(segs):
        between_changes = (
            seg.kind == "equal"
            and seg.text.isspace()
            and 0 < i < len(segs) - 1
            and segs[i - 1].kind != "equal"
            and segs[i + 1].kind != "equal"
        )
        if between_changes:
            _append(result, "delete", seg.text)
            _append(result, "insert", seg.text)
        else:
            _append(result, seg.kind, seg.text)
    return _regroup(result)


def _regroup(segs: list[Segment]) -> list[Segment]:
    """Within each run of changes, put all deletions before all insertions."""
    out: list[Segment] = []
    run_del, run_ins = "", ""
    for seg in segs:
        if seg.kind == "delete":
            run_del += seg.text
        elif seg.kind == "insert":
            run_ins += seg.text
        else:
            _flush_run(out, run_del, run_ins)
            run_del = run_ins = ""
            _append(out, "equal", seg.text)
    _flush_run(out, run_del, run_ins)
    return out


def _flush_run(out: list[Segment], deleted: str, inserted: str) -> None:
    """Emit one run of changes; spacing both sides share is shown as unchanged.

    "rights and" -> "rights, and" then reads "rights<ins>,</ins> and" rather
    than a deleted space and an inserted ", ".
    """
    lead = trail = ""
    if deleted and inserted:
        lead = _common_space(deleted, inserted)
        deleted, inserted = deleted[len(lead) :], inserted[len(lead) :]
        trail = _common_space(deleted[::-1], inserted[::-1])[::-1]
        if trail:
            deleted, inserted = deleted[: -len(trail)], inserted[: -len(trail)]
    _append(out, "equal", lead)
    _append(out, "delete", deleted)
    _append(out, "insert", inserted)
    _append(out, "equal", trail)


def _common_space(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n] and a[n].isspace():
        n += 1
    return a[:n]


# --- footnotes compared as footnotes ------------------------------------------

_REF_BASE = 0xF0000  # a reference to note k is chr(_REF_BASE + k): one token, never typed
_DEFINITION = re.compile(r"^ {0,3}\[\^(?P<label>[^\]\s]+)\]:[ \t]?(?P<rest>.*)$")


def note_index(char: str) -> int | None:
    """The note a reference character stands for (0-based), or None for any other text."""
    k = ord(char) - _REF_BASE if len(char) == 1 else -1
    return k if 0 <= k < 0x10000 else None


def split_notes(source: str | None) -> tuple[str, dict[str, str]]:
    """``source`` without its footnote definitions, and label -> the note's text.

    A definition runs to the first line that is neither blank, indented, nor the
    lazy continuation of its last paragraph (as CommonMark reads it). The first
    definition of a label counts, as in the renderer.
    """
    main: list[str] = []
    defs: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (source or "").split("\n"):
        m = _DEFINITION.match(line)
        if m:
            current = [m["rest"]]
            defs.setdefault(m["label"], current)
            continue
        if current is not None:
            if not line.strip():
                current.append("")
                continue
            if line.startswith((" ", "\t")):
                current.append(line[4:] if line.startswith("    ") else line.lstrip())
                continue
            if current[-1] != "":
                current.append(line)  # a lazy continuation line
                continue
            current = None
        main.append(line)
    notes = {label: "\n".join(lines).strip() for label, lines in defs.items()}
    return "\n".join(main).rstrip(), notes


@dataclass(frozen=True)
class Noted:
    """A redline of a practice (lead and body) with its footnotes compared one by one.

    References in ``lead`` and ``body`` are characters (``note_index``); ``notes[k]`` is
    the redline of note k's text (all inserted for a new note, all deleted for a removed one).
    """

    lead: list[Segment]
    body: list[Segment]
    notes: list[list[Segment]]


def has_notes(*texts: str | None) -> bool:
    return any(t and "[^" in t for t in texts)


def noted(
    old_lead: str | None, old_body: str | None, new_lead: str | None, new_body: str | None
) -> Noted:
    """The changes from (old lead, old body) to (new lead, new body), footnotes as footnotes.

    Notes are numbered as the new text numbers them (those of the lead first), then
    the notes that only the old text had. Square brackets compare in their printed form.
    """
    old_main, old_defs = split_notes(old_body)
    new_main, new_defs = split_notes(new_body)
    order: dict[str, int] = {}
    for lead, main, defs in ((new_lead, new_main, new_defs), (old_lead, old_main, old_defs)):
        for piece in (lead or "", main):
            for m in text.NOTE_REF.finditer(piece):
                if m["label"] in defs:
                    order.setdefault(m["label"], len(order))

    def refs(piece: str | None, defs: dict[str, str]) -> str:
        def sub(m: re.Match) -> str:
            k = order.get(m["label"])
            return chr(_REF_BASE + k) if k is not None and m["label"] in defs else m.group()

        return brackets.printed(text.NOTE_REF.sub(sub, piece or ""))

    return Noted(
        lead=segments(refs(old_lead, old_defs), refs(new_lead, new_defs)),
        body=segments(refs(old_main, old_defs), refs(new_main, new_defs)),
        notes=[
            segments(
                brackets.printed(old_defs.get(label, "")), brackets.printed(new_defs.get(label, ""))
            )
            for label in order
        ],
    )


def redline_html(
    old: str, new: str, *, old_lead: str | None = None, new_lead: str | None = None
) -> SafeString:
    """HTML with <del> and <ins> marking the changes; every piece of text is escaped.

    Square brackets are compared in their printed form ("[should (US, MA)]"), so a
    resolution reads as the bracket struck out and the kept words inserted.
    Footnotes read as footnotes: a superscript number in the text and, under it,
    each note's text with its own changes marked. ``old_lead``/``new_lead``: the
    practice's lead sentences, whose notes are numbered first.
    """
    if not has_notes(old, new):
        return text.markup(_redline_html(brackets.printed(old), brackets.printed(new)))
    key = ("notes", old_lead or "", old, new_lead or "", new)
    html = _memo.get(key)
    if html is None:
        found = noted(old_lead, old, new_lead, new)
        html = _segments_html(found.body)
        if found.notes:
            notes = "".join(
                f'<div class="redline-note"><sup>[{k + 1}]</sup> {_segments_html(segs)}</div>'
                for k, segs in enumerate(found.notes)
                if segs
            )
            html += f'<div class="redline-notes">{notes}</div>'
        _memo.put(key, html)
    return text.markup(html)


def lead_redline_html(
    old_lead: str, new_lead: str, old_body: str | None, new_body: str | None
) -> SafeString:
    """The redline of a practice's lead sentence; its footnote references as numbers, in
    the same sequence as ``redline_html(old_body, new_body, old_lead=…, new_lead=…)``."""
    if not has_notes(old_lead, new_lead):
        return redline_html(old_lead, new_lead)
    key = ("lead", old_lead, old_body or "", new_lead, new_body or "")
    html = _memo.get(key)
    if html is None:
        html = _segments_html(noted(old_lead, old_body, new_lead, new_body).lead)
        _memo.put(key, html)
    return text.markup(html)


def practice_redline(
    old_heading: str | None, old_body: str | None, new_heading: str | None, new_body: str | None
) -> tuple[SafeString, SafeString]:
    """The redlines of a practice's lead and body, their footnotes in one sequence."""
    old_heading, new_heading = old_heading or "", new_heading or ""
    old_body, new_body = old_body or "", new_body or ""
    return (
        lead_redline_html(old_heading, new_heading, old_body, new_body),
        redline_html(old_body, new_body, old_lead=old_heading, new_lead=new_heading),
    )


def _segments_html(segs: list[Segment]) -> str:
    parts = []
    for seg in segs:
        escaped = _NOTE_CHAR.sub(_note_sup, escape(seg.text))
        if seg.kind == "insert":
            parts.append(f"<ins>{escaped}</ins>")
        elif seg.kind == "delete":
            parts.append(f"<del>{escaped}</del>")
        else:
            parts.append(escaped)
    return "".join(parts)


_NOTE_CHAR = re.compile("[\U000f0000-\U000fffff]")


def _note_sup(m: re.Match) -> str:
    return f'<sup class="footnote-ref">[{note_index(m.group()) + 1}]</sup>'


# Memoised: a history page and "what changed since" show the same pairs again and again.
# Bounded by memory, not by a number of entries: "what changed since" needs two
# redlines a practice, so 4,096 entries stopped serving a document of 2,000 changed
# practices at all (issue 13). 64 MB a process holds the heading and body redlines
# of about 10,000 practices of 125 words.
REDLINE_MEMO_BYTES = 64 * 1024 * 1024
_memo = text.Memo(REDLINE_MEMO_BYTES)


def _redline_html(old: str, new: str) -> str:
    """The redline HTML of two texts, memoised (least recently used out first, by size)."""
    html = _memo.get((old, new))
    if html is None:
        html = _render_redline(old, new)
        _memo.put((old, new), html)  # one larger than the whole memo is not kept
    return html


def clear_redline_memo() -> None:
    """Forget every memoised redline (the benchmark's "cold" rows; tests)."""
    _memo.clear()


def _render_redline(old: str, new: str) -> str:
    parts = []
    for seg in segments(old, new):
        escaped = escape(seg.text)
        if seg.kind == "insert":
            parts.append(f"<ins>{escaped}</ins>")
        elif seg.kind == "delete":
            parts.append(f"<del>{escaped}</del>")
        else:
            parts.append(escaped)
    return "".join(parts)
