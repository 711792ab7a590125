"""Finding practices by the words in their heading or body, with highlighted snippets.

Search finds word forms ("family" finds "families"), ignores case and accents, and
works in English, French and Arabic, whatever the document's language: every word
of the query is looked up in the three languages at once and a practice matches
when each word matches in at least one of them.

- PostgreSQL: full-text search. Migration 0024 creates the text search
  configurations ``drafting_en``, ``drafting_fr`` and ``drafting_ar`` (PostgreSQL's
  english, french and arabic Snowball stemmers behind the ``unaccent`` dictionary)
  and a stored generated column of the practices' words in the three languages
  with a GIN index (``_SearchWords``). Hits are ranked by ``ts_rank`` (heading
  words weigh more than body words) and highlighted by ``ts_headline`` in the
  language that matched best.
- Other databases (SQLite in development and tests): the document's practices are
  read in one query and matched in Python with the same Snowball stemmers
  (the ``snowballstemmer`` package), after case folding and removing accents and
  Arabic vowel marks. A document holds hundreds of practices, not millions;
  differences from PostgreSQL: no stop words and a simpler ranking.

A query that names a practice ("GP 5", "Good Practice 5", "Recommendation 7 bis",
"5") opens that practice instead: ``practice_named``.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import BooleanField, Case, Expression, F, Func, Q, Value, When
from django.db.models.functions import Replace
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

from drafting import numbering, text
from drafting.models import Document, Practice
from drafting.reads.documents import practice_numbers

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_RESULTS = 50
SNIPPET_CHARS = 220

# Text search configurations made by migration 0024 (PostgreSQL), in the order the
# index expression concatenates them; the Snowball stemmers of the Python fallback.
CONFIGS = {"en": "drafting_en", "fr": "drafting_fr", "ar": "drafting_ar"}
STEMMERS = {"en": "english", "fr": "french", "ar": "arabic"}

# Highlight markers: private-use characters removed from the text before PostgreSQL
# inserts them, so every marker in a headline is one we asked for.
START, STOP = "\ue000", "\ue001"

# A word of any script: letters and digits with the combining marks (accents typed
# as separate characters, Arabic vowel marks) that belong to them.
# Numbers keep their inner points and commas ("2.1", "1,000").
WORD = re.compile(
    r"\d+(?:[.,]\d+)+|(?:[^\W_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed])+"
)


@dataclass
class Hit:
    practice: Practice
    number: int | str
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


# --- "GP 5" opens Good Practice 5 -------------------------------------------------------------

_LABEL_WORDS = r"g\.?\s*p\.?|good\s+practices?|practices?|recommendations?|no\.?|n°|#"


def practice_named(document: Document, query: str) -> str | None:
    """The address of the practice ``query`` names ("GP 5", "Good Practice 5", "5",
    "7 bis", or the document's own label term: "Recommendation 20"), or None.

    Labels are the current ones (drafting.numbering), so "5" is whatever is numbered
    5 today. Two queries, only when the query looks like a label.
    """
    prefix = rf"{_LABEL_WORDS}|{re.escape(document.label_term)}"
    match = re.fullmatch(
        rf"\s*(?:(?:{prefix})\s*)?(?P<label>\d+(?:[\s-]*[^\W\d_]+)?)\s*\.?\s*",
        query,
        re.IGNORECASE,
    )
    wanted = numbering.parse_label(match["label"]) if match else None
    if wanted is None:
        return None
    for pk, number in practice_numbers(document).items():
        if numbering.parse_label(str(number)) == wanted:
            # The practice's own address is its section page's anchor.
            practice = Practice.objects.only("pk", "section_id").get(pk=pk)
            url = reverse("drafting:section-detail", args=[practice.section_id])
            return f"{url}#practice-{pk}"
    return None


# --- search -----------------------------------------------------------------------------------


def search_practices(document: Document, query: str) -> SearchResults:
    """Practices of ``document`` that contain every word of ``query`` in some form, best first.

    Two queries whatever the size of the document: the matches (at most
    MAX_RESULTS, with their highlighted heading and snippet) and the numbering.
    """
    words = words_of(query)
    if not words:
        return SearchResults([], [], False)
    if connection.vendor == "postgresql":
        found = _search_postgresql(document, words)
    else:
        found = _search_in_python(document, words)
    numbers = practice_numbers(document) if found else {}
    hits = [
        Hit(practice=p, number=numbers.get(p.pk, 0), heading=heading, snippet=snippet)
        for p, heading, snippet in found[:MAX_RESULTS]
    ]
    return SearchResults(words, hits, truncated=len(found) > MAX_RESULTS)


# --- PostgreSQL: full-text search -------------------------------------------------------------


class _SearchWords(Expression):
    """The practice's stored words in the three languages (column ``search_words``).

    Made by migration 0023_search: a generated column PostgreSQL keeps up to date,
    not a model field, so it is named here for the queries that read it.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.search_words", []


class _Matches(Func):
    """``vector @@ query`` as a condition ``filter()`` takes."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


def _tsquery(words: list[str], configs: tuple[str, ...] = tuple(CONFIGS.values())) -> SearchQuery:
    """Every word, each in any of ``configs``."""
    query = None
    for word in words:
        either = None
        for config in configs:
            one = SearchQuery(word, config=config, search_type="plain")
            either = one if either is None else either | one
        query = either if query is None else query & either
    return query


def _headline(field: str, query: SearchQuery, config: str) -> SearchHeadline:
    # Markers the text itself contains are removed so the highlights are only ours. The
    # whole text is highlighted (HighlightAll keeps it as typed, "<tags>" included: the
    # fragment modes drop them); the snippet is cut around the first highlight in Python.
    source = Replace(Replace(F(field), Value(START), Value("")), Value(STOP), Value(""))
    return SearchHeadline(
        source, query, config=config, start_sel=START, stop_sel=STOP, highlight_all=True
    )


def _in_best_language(field: str, query: SearchQuery) -> Case:
    """The headline in the language whose stemming matched the practice best."""
    en, fr, ar = (F(f"rank_{code}") for code in CONFIGS)
    return Case(
        When(
            Q(GreaterThan(fr, en), GreaterThanOrEqual(fr, ar)),
            then=_headline(field, query, CONFIGS["fr"]),
        ),
        When(GreaterThan(ar, en), then=_headline(field, query, CONFIGS["ar"])),
        default=_headline(field, query, CONFIGS["en"]),
    )


def _search_postgresql(document: Document, words: list[str]) -> list[tuple]:
    query = _tsquery(words)
    matches = (
        Practice.objects.filter(section__document=document)
        .filter(_Matches(_SearchWords(), query))
        .annotate(
            rank=SearchRank(_SearchWords(), query),
            # How well each language's forms of the words match: which stemming
            # ts_headline should use to find the words again.
            **{
                f"rank_{code}": SearchRank(_SearchWords(), _tsquery(words, (config,)))
                for code, config in CONFIGS.items()
            },
        )
        .annotate(
            heading_marked=_in_best_language("heading", query),
            body_marked=_in_best_language("body", query),
        )
        .select_related("section")
        .order_by("-rank", "section__position", "section_id", "position", "id")
    )
    hits = []
    for practice in matches[: MAX_RESULTS + 1]:
        plain = _plain(practice.body_marked)
        snippet = _marked(escape(_excerpt(plain, plain.find(START))))
        hits.append((practice, _marked(escape(practice.heading_marked)), snippet))
    return hits


def _plain(source: str) -> str:
    """A Markdown fragment as one line of plain (unescaped) text."""
    # text.plain gives HTML-escaped text; unescape so it is escaped exactly once.
    return " ".join(html.unescape(text.plain(source)).split())


def _marked(escaped: str) -> SafeString:
    """Escaped text whose marker pairs become <mark>; stray markers are dropped."""
    marked = re.sub(f"{START}([^{START}{STOP}]*){STOP}", r"<mark>\1</mark>", escaped)
    return text.markup(marked.replace(START, "").replace(STOP, ""))


# --- other databases: the same stemmers in Python ---------------------------------------------


def fold(word: str) -> str:
    """``word`` in lower case without accents or Arabic vowel marks: "Sécurité" -> "securite"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.replace("\u0640", ""))  # and the tatweel


@lru_cache(maxsize=1)
def _stemmers() -> dict[str, snowballstemmer.stemmer]:
    return {code: snowballstemmer.stemmer(name) for code, name in STEMMERS.items()}


@lru_cache(maxsize=100_000)
def stems(word: str) -> frozenset[str]:
    """What ``word`` reduces to in each language; two words match when these meet."""
    folded = fold(word)
    return frozenset((code, stemmer.stemWord(folded)) for code, stemmer in _stemmers().items()) | {
        ("", folded)
    }


class _Matcher:
    """Which query words a word of the text matches, decided once per distinct word."""

    def __init__(self, words: list[str]) -> None:
        # Punctuation in a query word separates words, as PostgreSQL's parser has it.
        self.wanted = [stems(m.group()) for w in words for m in WORD.finditer(w)]
        self._memo: dict[str, tuple[bool, ...]] = {}

    def flags(self, word: str) -> tuple[bool, ...]:
        flags = self._memo.get(word)
        if flags is None:
            found = stems(word)
            flags = self._memo[word] = tuple(bool(found & w) for w in self.wanted)
        return flags

    def counts(self, source: str) -> list[int]:
        """How many words of ``source`` match each query word."""
        counts = [0] * len(self.wanted)
        for word in WORD.findall(source):
            flags = self.flags(word)
            if True in flags:
                counts = [c + f for c, f in zip(counts, flags, strict=True)]
        return counts

    def matches(self, word: str) -> bool:
        return True in self.flags(word)


def _search_in_python(document: Document, words: list[str]) -> list[tuple]:
    matcher = _Matcher(words)
    if not matcher.wanted:
        return []
    practices = Practice.objects.filter(section__document=document).select_related("section")
    scored = []
    for index, practice in enumerate(
        practices.order_by("section__position", "section_id", "position", "id")
    ):
        in_heading = matcher.counts(practice.heading)
        # Marker characters in the text are dropped, as on PostgreSQL.
        plain = _plain(practice.body).replace(START, "").replace(STOP, "")
        in_body = matcher.counts(plain)
        if not all(h or b for h, b in zip(in_heading, in_body, strict=True)):
            continue
        # Like ts_rank: heading words weigh more, long texts are not favoured.
        score = (4 * sum(in_heading) + sum(in_body)) / math.log(2 + len(plain))
        scored.append((-score, index, practice, plain))
    scored.sort(key=lambda row: row[:2])
    hits = []
    for _, _, practice, plain in scored[: MAX_RESULTS + 1]:
        heading = _highlight(practice.heading, matcher)
        first = next((m.start() for m in WORD.finditer(plain) if matcher.matches(m.group())), 0)
        hits.append((practice, heading, _highlight(_excerpt(plain, first), matcher)))
    return hits


def _excerpt(plain: str, first: int) -> str:
    """About SNIPPET_CHARS characters of ``plain`` around ``first`` (the first match)."""
    if len(plain) <= SNIPPET_CHARS:
        return plain
    first = max(first, 0)
    start = max(0, first - SNIPPET_CHARS // 3)
    # Start and end on word boundaries so no word is cut in half.
    if start:
        start = plain.find(" ", start) + 1 or start
    end = start + SNIPPET_CHARS
    if end < len(plain):
        end = plain.rfind(" ", start, end) if plain.rfind(" ", start, end) > start else end
    return ("… " if start else "") + plain[start:end] + (" …" if end < len(plain) else "")


def _highlight(source: str, matcher: _Matcher) -> SafeString:
    """``source`` escaped, with every word that matches a query word wrapped in <mark>."""
    parts, last = [], 0
    for match in WORD.finditer(source):
        if matcher.matches(match.group()):
            parts.append(escape(source[last : match.start()]))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
    parts.append(escape(source[last:]))
    return text.markup("".join(parts))
