"""Which way a piece of user text runs: the one rule every writer follows (issue 16).

A paragraph's direction comes from its content, as the Unicode bidirectional
algorithm decides a paragraph's base direction (rules P2–P3) and as browsers do
for ``dir="auto"``: the first character with a strong direction decides. Arabic
or Hebrew first (bidi class R or AL) makes the paragraph right-to-left; a Latin
letter first makes it left-to-right; digits, punctuation and spaces decide
nothing. So "المادة 5 of the UN Charter" runs right to left and "Article 5
(المادة)" left to right, and each writer (pages with ``dir="auto"``, the Word
export with ``w:bidi``, the PDF with Typst's ``text(dir: rtl)``) then leaves the
order of the characters inside to the bidi algorithm of its reader.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

Direction = Literal["ltr", "rtl"]

_RTL_CLASSES = frozenset({"R", "AL"})
# Isolates and embeddings typed by the user open text the rule P2 skips up to their end.
_ISOLATE_OPEN = frozenset({"LRI", "RLI", "FSI"})
_ISOLATE_CLOSE = "PDI"


def direction(text: str | None) -> Direction | None:
    """The direction of ``text`` from its first strong character; None when it has none."""
    if not text:
        return None
    if text.isascii():
        # The common case, decided without a per-character table look-up.
        return "ltr" if any(c.isalpha() for c in text) else None
    # No memo needed: the loop stops at the first letter, a few characters in.
    isolated = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _ISOLATE_OPEN:
            isolated += 1
        elif kind == _ISOLATE_CLOSE and isolated:
            isolated -= 1
        elif isolated:
            continue
        elif kind == "L":
            return "ltr"
        elif kind in _RTL_CLASSES:
            return "rtl"
    return None


def is_rtl(text: str | None) -> bool:
    """Whether ``text`` is a right-to-left paragraph (its first strong character is RTL)."""
    return direction(text) == "rtl"


def rtl_language(text: str | None) -> str | None:
    """The language tag a right-to-left ``text`` is set in: "ar" when its first strong
    letter is Arabic-script (bidi class AL), "he" for Hebrew and other R scripts; None when
    the text is not right to left. Typesetters use it for shaping and punctuation."""
    if not text or text.isascii():
        return None
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return None
        if kind == "AL":
            return "ar"
        if kind == "R":
            return "he"
    return None
