"""Square brackets in practice text: the syntax, its printed form and its rules.

Negotiators keep a disputed passage in square brackets with its alternatives,
each attributed to the delegations proposing it: "States [should] [may]
establish…". The brackets live in the practice text itself, so history,
redlines, versions and "as of" reconstruction carry them with no extra rows,
and resolving a bracket is an ordinary, recorded change of the text.

One alternative is typed ``[[text]]{US, MA}`` (the text, then the short codes of
the delegations proposing it; ``[[text]]{}`` is the text as it stands, proposed by
no one in particular, as when a delegation brackets it to offer another wording).
Alternatives separated only by spaces form one bracket:
``States [[should]]{US, MA} [[may]]{FR} establish``. ``[[`` never means anything
else in Markdown (a link label cannot hold a bracket; a footnote is ``[^1]``), so
the syntax cannot collide with links or footnotes. People use the "Bracket a
passage" form and never need to type it.

The printed form, used by every export and redline, is the way negotiation
texts print brackets: ``[should (US, MA)] [may (FR)]`` (``[should]`` when no
delegation is named). Pages show the same, with the attribution in a smaller
style (visible on touch screens and read by screen readers, no hover needed).

This module is pure (no database); drafting/text.py renders and validates with
it, and drafting/actions/brackets.py rewrites texts with it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

# One alternative: [[text]]{codes}. The text holds no "[[", "]]" and no blank
# line (a bracket stays inside one paragraph).
ALTERNATIVE = re.compile(
    r"\[\[(?P<text>(?:(?!\[\[|\]\]|\n[ \t]*\n).)*?)\]\]\{(?P<codes>[^{}\[\]\n]*)\}", re.S
)
_GAP = re.compile(r"[ \t]*")
_MARKS = re.compile(r"\[\[|\]\](?:\{[^{}\[\]\n]*\})?")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
# A list item starting inside a bracket: "- ", "* ", "+ " or "1. " at a line's start.
_LIST_ITEM = re.compile(r"\n[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]")
_NOTE_MESSAGE = (
    "A bracket cannot hold a footnote marker such as [^1]; bracket the words around it instead."
)
_CODE_SPLIT = re.compile(r"[,;\s]+")

FIELDS = {"heading": "lead sentence", "body": "explanatory text"}


@dataclass(frozen=True, slots=True)
class Alternative:
    text: str
    codes: tuple[str, ...]
    start: int  # offsets of the whole "[[text]]{codes}" in the source
    end: int

    @property
    def attribution(self) -> str:
        """ "US, MA" """
        return ", ".join(self.codes)

    @property
    def printed(self) -> str:
        """ "[should (US, MA)]", as exports print it; "[should]" when nobody is named."""
        return show(self.text, self.codes)


@dataclass(frozen=True, slots=True)
class Bracket:
    """One bracketed passage: its alternatives, adjacent in the text."""

    alternatives: tuple[Alternative, ...]

    @property
    def start(self) -> int:
        return self.alternatives[0].start

    @property
    def end(self) -> int:
        return self.alternatives[-1].end

    @property
    def printed(self) -> str:
        return " ".join(a.printed for a in self.alternatives)


def codes_of(raw: str) -> tuple[str, ...]:
    """ "us, ma" -> ("US", "MA"): upper case, without repeats, in the order typed."""
    seen: list[str] = []
    for part in _CODE_SPLIT.split(raw or ""):
        code = part.strip().upper()
        if code and code not in seen:
            seen.append(code)
    return tuple(seen)


def show(text: str, codes: tuple[str, ...]) -> str:
    """The printed form of one alternative: "[should (US, MA)]", or "[should]"."""
    return f"[{text} ({', '.join(codes)})]" if codes else f"[{text}]"


def alternative(text: str, codes: list[str] | tuple[str, ...]) -> str:
    """The syntax of one alternative: ``[[text]]{US, MA}``."""
    return f"[[{text}]]{{{', '.join(codes)}}}"


def brackets(source: str | None) -> list[Bracket]:
    """The brackets of ``source`` in order; alternatives separated only by spaces group."""
    found: list[Bracket] = []
    group: list[Alternative] = []
    source = source or ""
    if "[[" not in source:
        return found
    for m in ALTERNATIVE.finditer(source):
        alt = Alternative(m["text"], codes_of(m["codes"]), m.start(), m.end())
        if group and _GAP.fullmatch(source, group[-1].end, alt.start):
            group.append(alt)
            continue
        if group:
            found.append(Bracket(tuple(group)))
        group = [alt]
    if group:
        found.append(Bracket(tuple(group)))
    return found


def count_open(*sources: str | None) -> int:
    """How many brackets the texts hold together."""
    return sum(len(brackets(s)) for s in sources)


def printed(source: str | None) -> str:
    """``source`` with every alternative in its printed form (for redlines and plain lines)."""
    source = source or ""
    if "[[" not in source:
        return source
    return ALTERNATIVE.sub(lambda m: show(m["text"], codes_of(m["codes"])), source)


def problems(source: str | None) -> list[str]:
    """What is wrong with the brackets typed in ``source``, in words; [] when none.

    Refused: a bracket opened and not closed (or closed and not opened), a bracket
    inside a bracket, an alternative naming no delegation or a malformed code, an
    empty alternative, and a footnote marker inside a bracket (a footnote belongs to
    the text whichever alternative is kept; bracket the words around it).
    """
    source = source or ""
    if "[[" not in source and "]]" not in source:
        return []
    found: list[str] = []
    depth = 0
    opened = 0  # where the innermost open bracket's text starts
    # One pass over the marks, each stretch of text looked at once: linear in the length
    # of the text whatever it holds (a regular expression looking ahead from every "[["
    # took seconds on 20,000 characters of "[[").
    for m in _MARKS.finditer(source):
        mark = m.group()
        if mark == "[[":
            if depth:
                _add(found, "A bracket cannot hold another bracket; close the first with ]]{…}.")
                _inside(found, source[opened : m.start()])
            depth += 1
            opened = m.end()
        elif depth == 0:
            _add(found, "A bracket is closed with ]] that was never opened with [[.")
        else:
            depth -= 1
            _inside(found, source[opened : m.start()])
            opened = m.end()
            if not mark.startswith("]]{"):
                _add(
                    found,
                    "Name the delegations proposing each alternative right after it, "
                    "as in [[should]]{US, MA}.",
                )
    if depth > 0:
        _add(found, "A bracket is opened with [[ and never closed with ]]{codes}.")
        _inside(found, source[opened:])
    if not found and len(ALTERNATIVE.findall(source)) != source.count("[["):
        # Balanced marks that still do not make a bracket: one spans a blank line.
        _add(found, "A bracket must stay within one paragraph; bracket each paragraph apart.")
    for m in ALTERNATIVE.finditer(source):
        if not m["text"].strip():
            _add(found, "An alternative in brackets is empty; write its text or drop it.")
        for code in codes_of(m["codes"]):
            if not CODE.fullmatch(code):
                _add(found, f"“{code}” is not a delegation short code.")
    return found


def _inside(found: list[str], text: str) -> None:
    """What a bracket's own text may not hold: a footnote marker, the start of a list item."""
    if "[^" in text:
        _add(found, _NOTE_MESSAGE)
    if "\n" in text and _LIST_ITEM.search(text):
        _add(
            found,
            "A bracket must stay within one list item; bracket each item's words apart.",
        )


def _add(found: list[str], message: str) -> None:
    if message not in found:
        found.append(message)


def all_codes(source: str | None) -> set[str]:
    """Every delegation code named in ``source``'s brackets."""
    return {c for b in brackets(source) for a in b.alternatives for c in a.codes}


def replace(source: str, bracket: Bracket, new: str) -> str:
    """``source`` with ``bracket`` replaced by ``new``; dropping it leaves one space, not two."""
    before, after = source[: bracket.start], source[bracket.end :]
    if new:
        return before + new + after
    before = before.rstrip(" \t")
    space = " " if before and not before.endswith("\n") and after[:1] in (" ", "\t") else ""
    return before + space + after.lstrip(" \t")


# The printed form as exports write it, "[should (US, MA)]", Markdown-escaped or not.
_PRINTED = re.compile(
    r"\\?\[(?P<text>[^\[\]\n]+?) \((?P<codes>[A-Z0-9][A-Z0-9._-]{0,19}"
    r"(?:, [A-Z0-9][A-Z0-9._-]{0,19})*)\)\\?\]"
)


def from_printed(source: str, known: Collection[str]) -> str:
    """``source`` with square brackets in their printed form turned back into brackets.

    "[should (US, MA)]" -> "[[should]]{US, MA}" when every code is one of ``known``
    (the forum's delegation codes), so a bracket exported to Word comes back as a
    bracket; "[see Annex (A)]" and any code not known stay as typed. For imports.
    """
    if not known or "[" not in source:
        return source

    def back(m: re.Match) -> str:
        codes = [c.strip() for c in m["codes"].split(",")]
        if all(c in known for c in codes):
            return alternative(m["text"], codes)
        return m.group()

    return _PRINTED.sub(back, source)
