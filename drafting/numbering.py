"""The one numbering function: what number each practice of a document shows.

Two rules (drafting.models.Document.Numbering):

* **renumber continuously** — practices are numbered one after another through
  the document from its first number; inserting, moving or deleting one
  renumbers those after it. Nothing is stored: the number is derived from order.
* **keep numbers** — every practice holds the label it was given (stored on the
  practice as ``kept_number`` and ``kept_suffix``), so references stay stable
  during negotiation:

  - a practice inserted after practice 7 is "7 bis", the next one inserted after 7
    or after 7 bis is "7 ter", then "7 quater", "7 quinquies" … (the Latin
    adverbial sequence negotiators use; see ``SUFFIXES``). The new suffix is
    always the next one not yet used for that number, so labels never collide;
  - a practice added at the end of the document takes the next number after every
    number used (13 after 12, or 14 if 13 was deleted): nothing after it needs a
    stable reference, so it needs no suffix;
  - a practice inserted before the first one takes the number *before* the first
    number with a suffix: "0 bis" in a document starting at 1, "19 bis" in an
    excerpt starting at 20. "1 bis" would read as coming after 1, and the first
    number cannot be taken from the practice that holds it;
  - a moved practice keeps its label: references to it stay true wherever it now
    stands (the order of labels then no longer follows the page until the
    secretariat renumbers);
  - a deleted practice leaves a gap: its label is not given to a new practice
    (it may be restored with it);
  - the secretariat's **Renumber now** (drafting.actions.documents.renumber_now)
    gives every practice its continuous number again, as one recorded change.

Pages, exports, history pages and redlines all number practices through
``numbers_in_order``; the writes that set kept labels are in
drafting.actions.ordering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

CONTINUOUS = "continuous"
KEEP = "keep"

# The suffixes negotiators add to a frozen number, from "bis" (2nd) on.
SUFFIXES = (
    "bis",
    "ter",
    "quater",
    "quinquies",
    "sexies",
    "septies",
    "octies",
    "novies",
    "decies",
    "undecies",
    "duodecies",
    "terdecies",
    "quaterdecies",
    "quindecies",
    "sexdecies",
    "septdecies",
    "octodecies",
    "novodecies",
    "vicies",
)

Number = int | str


def suffix_word(suffix: int) -> str:
    """1 -> "bis", 2 -> "ter", …; past "vicies" (19) the count itself ("7 20")."""
    if suffix <= 0:
        return ""
    return SUFFIXES[suffix - 1] if suffix <= len(SUFFIXES) else str(suffix + 1)


def kept_label(number: int, suffix: int = 0) -> str:
    """The label a practice holds under keep numbers: (7, 0) -> "7", (7, 1) -> "7 bis"."""
    word = suffix_word(suffix)
    return f"{number} {word}" if word else str(number)


def parse_label(text: str) -> tuple[int, int] | None:
    """ "7 bis" -> (7, 1); "12" -> (12, 0); None when it is not a number with a known suffix.

    For imports: labels typed in a Word draft ("Good Practice 7 bis", "7bis", "7-ter").
    """
    words = text.strip().lower().replace("-", " ").split()
    if not words:
        return None
    head = words[0]
    digits = head.rstrip("abcdefghijklmnopqrstuvwxyz")
    if not digits.isdigit():
        return None
    rest = [head[len(digits) :], *words[1:]]
    rest = [w for w in rest if w]
    if not rest:
        return int(digits), 0
    if len(rest) == 1 and rest[0] in SUFFIXES:
        return int(digits), SUFFIXES.index(rest[0]) + 1
    return None


def numbers_in_order(
    rule: str,
    first_number: int,
    practices: Iterable[T],
    *,
    kept: Callable[[T], tuple[int | None, int]] | None = None,
) -> list[tuple[T, Number]]:
    """Each practice (already in document order) with the number it shows.

    ``rule`` is the document's numbering rule (as it stood at the moment read),
    ``first_number`` its first number. Continuous: ``first_number``, the next, …
    (ints). Keep numbers: each practice's stored label, as text ("7", "7 bis");
    ``kept`` reads (kept_number, kept_suffix) off a practice (default: those
    attributes). A practice without a stored label (a row written before the rule
    was chosen) shows its continuous number, so no page ever shows none.
    No queries.
    """
    read = kept or (lambda p: (p.kept_number, p.kept_suffix))
    result: list[tuple[T, Number]] = []
    for n, practice in enumerate(practices, start=first_number):
        if rule == KEEP:
            number, suffix = read(practice)
            result.append((practice, kept_label(n if number is None else number, suffix or 0)))
        else:
            result.append((practice, n))
    return result


def label_for_insertion(
    before: tuple[int, int] | None, first_number: int, taken: Callable[[int], Iterable[int]]
) -> tuple[int, int]:
    """The (number, suffix) a practice inserted after the one labelled ``before`` gets.

    ``before`` is the kept label of the practice just before it in the document
    (None when it becomes the first practice: the number before ``first_number``
    is used, "0 bis"). ``taken(number)`` gives the suffixes already used for that
    number, by present practices and by those deleted since the last renumbering
    (gaps are not reused). The result is the next free suffix after every used
    one: after 7 comes "7 bis", after 7 or 7 bis once 7 bis exists "7 ter".
    """
    number = first_number - 1 if before is None else before[0]
    used = set(taken(number))
    if before is not None:
        used.add(before[1])
    return number, max(used, default=0) + 1


def range_sentence(term: str, old: Sequence[Number], new: Sequence[Number]) -> str:
    """ "Good Practices 7 bis–12 as 8–14": what renumbering changes, for the confirmation."""
    plural = term if term.endswith("s") else f"{term}s"
    if len(old) == 1:
        return f"{term} {old[0]} as {new[0]}"
    return f"{plural} {old[0]}–{old[-1]} as {new[0]}–{new[-1]}"
