"""Finding practices by the words in their heading or body, with highlighted snippets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString

from drafting import text
from drafting.models import Document, Practice
from drafting.reads.documents import practice_numbers

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_RESULTS = 50
SNIPPET_CHARS = 220


@dataclass
class Hit:
    practice: Practice
    number: int
    heading: SafeString
    snippet: SafeString


@dataclass
class SearchResults:
    words: list[str]
    hits: list[Hit]
    truncated: bool


def words_of(query: str) -> list[str]:
    """The distinct words of a query, at most MAX_WORDS of them."""
    seen: list[str] = []
    for word in query.split():
        if word.casefold() not in (w.casefold() for w in seen):
            seen.append(word)
    return seen[:MAX_WORDS]


def search_practices(document: Document, query: str) -> SearchResults:
    """Practices of ``document`` whose heading or body contains every word, in document order.

    Two queries: the matches (at most MAX_RESULTS) and the current numbering.
    """
    words = words_of(query)
    if not words:
        return SearchResults([], [], False)
    matches = Practice.objects.filter(section__document=document)
    for word in words:
        matches = matches.filter(Q(heading__icontains=word) | Q(body__icontains=word))
    found = list(
        matches.select_related("section").order_by(
            "section__position", "section_id", "position", "id"
        )[: MAX_RESULTS + 1]
    )
    numbers = practice_numbers(document) if found else {}
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    hits = [
        Hit(
            practice=p,
            number=numbers.get(p.pk, 0),
            heading=highlight(p.heading, pattern),
            snippet=highlight(_excerpt(text.plain(p.body), pattern), pattern),
        )
        for p in found[:MAX_RESULTS]
    ]
    return SearchResults(words, hits, truncated=len(found) > MAX_RESULTS)


def _excerpt(plain: str, pattern: re.Pattern) -> str:
    """About SNIPPET_CHARS characters of ``plain`` around the first match."""
    plain = " ".join(plain.split())
    if len(plain) <= SNIPPET_CHARS:
        return plain
    match = pattern.search(plain)
    start = max(0, (match.start() if match else 0) - SNIPPET_CHARS // 3)
    # Start and end on word boundaries so no word is cut in half.
    if start:
        start = plain.find(" ", start) + 1 or start
    end = start + SNIPPET_CHARS
    if end < len(plain):
        end = plain.rfind(" ", start, end) if plain.rfind(" ", start, end) > start else end
    return ("… " if start else "") + plain[start:end] + (" …" if end < len(plain) else "")


def highlight(source: str, pattern: re.Pattern) -> SafeString:
    """``source`` escaped, with every match of ``pattern`` wrapped in <mark>."""
    parts, last = [], 0
    for match in pattern.finditer(source):
        parts.append(escape(source[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(source[last:]))
    return text.markup("".join(parts))
