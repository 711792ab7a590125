"""Every export of every moment succeeds, whatever the text holds.

The text format has one rule (drafting/text.py: nesting depth, size), refused
when a text is saved and flattened when stored text is read, so the pages and
all four exporters survive anything: hypothesis writes hostile Markdown (nested
quotes and lists, footnotes, tables, links, long words, mixed scripts, control
characters, raw HTML), stores it through the actions or, when they refuse it,
straight into the tables as a row from before the rule would be, then renders
the section page and every export of the current text and of a redline.

Then the two findings this file was written for, as regressions: a practice of
18 nested quotes made every PDF of every moment that included it fail, even
after the practice was deleted; and an inline code span that ended early in
the Markdown export let an ``<img onerror>`` out as raw HTML.
"""

from __future__ import annotations

import logging
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser

import pypandoc
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from drafting import actions, text
from drafting.export import FORMATS, export, markdown, pdf
from drafting.history import points, stamp
from drafting.models import Practice, Version
from tests.conftest import login, make_document, make_practice
from tests.html_safety import live_html_problems
from tests.test_export import docx_text, pdf_text

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 1, 15, 12, tzinfo=UTC)  # the "legacy" rows: stored before the rule
T1 = datetime(2024, 2, 1, 12, tzinfo=UTC)  # a moment between them and today's edits
DEEP_QUOTES = "> " * 18 + "Deep in the quotes."  # the 37 characters of the finding
IMG = "<img src=x onerror=alert(document.domain)>"


# --- reading the Markdown the way a Markdown reader does ---------------------------


# CommonMark with raw HTML on (its default), as a reader of the file would parse it.
_reader = MarkdownIt("commonmark").use(front_matter_plugin).use(footnote_plugin)


def raw_html_tokens(source: str) -> list[str]:
    """Raw HTML in ``source``, and in its front matter's values, which pandoc reads as Markdown."""
    found = []
    pending = list(_reader.parse(source))
    while pending:
        token = pending.pop()
        if token.type in ("html_inline", "html_block"):
            found.append(token.content)
        if token.type == "front_matter":
            for line in token.content.splitlines():
                _, _, value = line.partition(": ")
                assert value.startswith("'") and value.endswith("'"), line
                pending.extend(_reader.parse(value[1:-1].replace("''", "'")))
        pending.extend(token.children or [])
    return found


def refs_inside_notes(source: str) -> int:
    """Footnote references inside footnotes: a cycle of them hangs pandoc's CommonMark readers."""
    depth = count = 0
    for token in _reader.parse(source):
        depth += {"footnote_open": 1, "footnote_close": -1}.get(token.type, 0)
        if depth:
            count += sum(c.type == "footnote_ref" for c in token.children or [])
    return count


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


# --- hostile Markdown ---------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "practice",
        "Sécurité",
        "التطرف العنيف",  # Arabic, right to left
        "恐怖主义",
        "Терроризм",
        "\u202eevil\u202c",  # right-to-left override
        "e\u0301",  # a combining accent
        "\u200b",
        "\ufeff",
        "😀👍🏽",
        "a&b",
        "&amp;",
        "&#60;",
        "<",
        ">",
        "\\",
        "$x$",
        "@cite",
        "{=html}",
        "<http://example.org>",
        "<a@b.example>",
        "#",
        "[^1]",
        "[^nowhere]",
        "|",
        "~~",
        "^sup^",
        "*",
        "_",
        "`",
        "``",
        IMG,
        "<script>alert(1)</script>",
        "<!-- comment -->",
        "</blockquote>",
        "#set page(width: 1pt)",
        "=",
    ]
)
LONG_WORDS = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=40, max_size=200
)
# NUL cannot be stored by PostgreSQL and the forms refuse it; every other control passes.
CONTROLS = st.characters(codec="utf-8", categories=["Cc"], exclude_characters="\x00")
URLS = st.sampled_from(
    [
        "https://example.org/a_b?c=d&e=f",
        "javascript:alert(1)",
        "mailto:a@b.example",
        "<https://example.org/x y>",
        "https://example.org/" + "x" * 300,
        "data:text/html,<script>alert(1)</script>",
        "",
    ]
)

atoms = st.one_of(
    WORDS,
    LONG_WORDS,
    st.tuples(WORDS, CONTROLS, WORDS).map("".join),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30),
)
inlines = st.recursive(
    atoms,
    lambda inner: st.one_of(
        inner.map(lambda s: f"*{s}*"),
        inner.map(lambda s: f"**{s}**"),
        inner.map(lambda s: f"_{s}_"),
        inner.map(lambda s: f"`{s}`"),
        inner.map(lambda s: f"``{s}``"),
        st.tuples(inner, URLS).map(lambda t: f"[{t[0]}]({t[1]})"),
        st.lists(inner, min_size=2, max_size=4).map(" ".join),
        st.lists(inner, min_size=2, max_size=3).map("".join),
    ),
    max_leaves=6,
)


def _indent(block: str, first: str, rest: str) -> str:
    lines = block.split("\n")
    return "\n".join([first + lines[0]] + [rest + line for line in lines[1:]])


def _table(rows: list[list[str]]) -> str:
    width = len(rows[0])
    lines = ["| " + " | ".join(r[:width] + [""] * (width - len(r))) + " |" for r in rows]
    return "\n".join([lines[0], "|" + "---|" * width, *lines[1:]])


leaf_blocks = st.one_of(
    inlines,
    st.lists(st.lists(WORDS, min_size=1, max_size=3), min_size=1, max_size=3).map(_table),
    st.sampled_from(["# A heading", "---", "```\ncode\n```", "    indented code", "<div>", "***"]),
    st.tuples(st.lists(st.sampled_from(["> ", "- ", "1. ", "* ", "  "]), max_size=25), inlines).map(
        lambda t: "".join(t[0]) + t[1]
    ),
)
blocks = st.recursive(
    leaf_blocks,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map("\n\n".join),
        st.lists(inner, min_size=1, max_size=3).map("\n".join),
        inner.map(lambda b: _indent(b, "> ", "> ")),
        st.lists(inner, min_size=1, max_size=3).map(
            lambda items: "\n".join(_indent(b, "- ", "  ") for b in items)
        ),
        st.lists(inner, min_size=1, max_size=3).map(
            lambda items: "\n\n".join(_indent(b, f"{n + 1}. ", "   ") for n, b in enumerate(items))
        ),
    ),
    max_leaves=8,
)
footnotes = st.lists(st.tuples(st.sampled_from(["1", "2", "note", "x y"]), blocks), max_size=3).map(
    lambda notes: "".join(f"\n\n{_indent(b, f'[^{k}]: ', '    ')}" for k, b in notes)
)
markdown_texts = st.one_of(
    st.just(DEEP_QUOTES),
    st.tuples(blocks, footnotes).map("".join),
)
# Within every title's column size (a document title holds 300 characters).
headings = st.one_of(WORDS, inlines).map(lambda s: " ".join(s.split())[:300] or "Heading")


# --- the property ---------------------------------------------------------------------


@pytest.fixture
def fuzz_document(secretariat):
    """One section holding a practice stored before the rule (T0), named at T1."""
    return make_document(by=secretariat, sections=1, practices=1, when=T0)


def _store(practice: Practice | None, section, *, by, heading: str, body: str) -> Practice:
    """Save through the actions; what they refuse goes in as a row from before the rule."""
    try:
        if practice is None:
            return actions.create_practice(section, by=by, heading=heading, body=body)
        return actions.update_practice(
            practice, by=by, heading=heading, body=body, base_revision=practice.revision
        )
    except ValidationError:
        if practice is None:
            return make_practice(section, by=by, heading=heading, body=body)
        practice.heading, practice.body = heading, body
        practice.revision += 1
        stamp(practice, by=by, reason="A row from before the text format's rule.")
        practice.save()
        return practice


def _check_all_formats(document, point=points.NOW, redline_from=None) -> None:
    for fmt in FORMATS:
        content = export(document, fmt, point, redline_from=redline_from).content
        if fmt == "pdf":
            assert content.startswith(b"%PDF")
        elif fmt == "docx":
            docx_text(content)  # opens, body and footnotes readable
        elif fmt == "md":
            assert raw_html_tokens(content.decode()) == []
            assert refs_inside_notes(content.decode()) == 0
        else:
            page = content.decode()
            body = page[page.index("</style>") :]  # the export's own CSS is the only style
            assert live_html_problems(body) == []


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays deterministic
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(old=markdown_texts, new=markdown_texts, heading=headings)
def test_pages_and_every_export_survive_any_text(
    client, secretariat, fuzz_document, old, new, heading
):
    login(client, secretariat)
    with transaction.atomic():  # each example starts from the same document
        document = fuzz_document
        section = document.sections.get()
        legacy = section.practices.get()
        # Rows from before the rule: stored as typed, whatever they hold.
        legacy.heading, legacy.body = heading, old
        stamp(legacy, by=secretariat, reason="Imported.", when=T0)
        legacy.save()
        section.introduction = old
        stamp(section, by=secretariat, reason="Imported.", when=T0)
        section.save()
        document.title = heading
        stamp(document, by=secretariat, reason="Imported.", when=T0)
        document.save()
        # Today's edits, through the actions where they accept the text.
        _store(legacy, section, by=secretariat, heading=heading, body=new)
        _store(None, section, by=secretariat, heading=heading, body=new)

        response = client.get(section.get_absolute_url())
        assert response.status_code == 200
        assert live_html_problems(response.content.decode()) == []
        _check_all_formats(document)
        _check_all_formats(document, redline_from=points.at(T1))
        transaction.set_rollback(True)


# --- the rule, on both sides ----------------------------------------------------------


def test_deep_text_is_refused_by_the_actions_with_the_reason(secretariat, document):
    section = document.sections.first()
    practice = section.practices.first()
    message = "Quotes and lists can be nested at most 8 levels deep; this text has 18."
    with pytest.raises(ValidationError, match=message):
        actions.update_practice(
            practice, by=secretariat, heading="H", body=DEEP_QUOTES, base_revision=1
        )
    with pytest.raises(ValidationError, match=message):
        actions.create_practice(section, by=secretariat, heading="H", body=DEEP_QUOTES)
    with pytest.raises(ValidationError, match="nested at most 8"):
        actions.update_section(
            section, by=secretariat, title="T", introduction=DEEP_QUOTES, base_revision=1
        )
    with pytest.raises(ValidationError, match=message):
        actions.propose_change(
            practice, by=secretariat, heading="H", body=DEEP_QUOTES, rationale="Why not."
        )
    practice.refresh_from_db()
    assert (practice.revision, practice.history.count()) == (1, 1)


def test_eight_levels_are_allowed_and_emphasis_has_its_own_limit(secretariat, document):
    practice = document.sections.first().practices.first()
    eight = "> - " * 4 + "Eight levels."
    saved = actions.update_practice(
        practice, by=secretariat, heading="H", body=eight, base_revision=1
    )
    assert saved.body == eight
    assert text.problems("*" * 20 + "x" + "*" * 20) == [
        "Emphasis and links can be nested at most 8 levels deep; this text has 10."
    ]
    assert text.problems("x" * (text.MAX_LENGTH + 1))[0].startswith("The text is 20,001")


def test_stored_text_deeper_than_the_limit_is_shown_at_the_deepest_level():
    html = str(text.render(DEEP_QUOTES))
    assert html.count("<blockquote>") == text.MAX_NESTING
    assert "Deep in the quotes." in html
    nested_list = "\n".join("  " * i + f"- item {i}" for i in range(12)) + "\n- last"
    html = str(text.render(nested_list))
    assert html.count("<ul>") == text.MAX_NESTING
    for i in range(12):
        assert f"item {i}" in html  # the levels past the limit become paragraphs
    assert '<li dir="auto">last</li>' in html  # and what follows them is not lost


# --- finding 1: 37 characters broke the PDF for good --------------------------------


def test_a_deleted_practice_of_18_nested_quotes_leaves_every_pdf_producible(client, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1, when=T0)
    section = document.sections.get()
    # Stored before the rule existed: the actions now refuse this text.
    hostile = make_practice(
        section, by=secretariat, heading="The hostile one", body=DEEP_QUOTES, when=T0
    )
    version = Version(document=document, name="Draft 1", taken_at=T1, created_by=secretariat)
    stamp(version, by=secretariat, reason="Named.", when=T1)
    version.save()
    actions.delete_practice(hostile, by=secretariat, reason="Broke the PDF.")

    for point in [points.of_version(version), points.at(T1)]:
        content = export(document, "pdf", point).content
        assert content.startswith(b"%PDF")
        assert "Deep in the quotes." in pdf_text(content)
        _check_all_formats(document, point)
    redline = export(document, "pdf", redline_from=points.of_version(version)).content
    assert "Deep in the quotes." in pdf_text(redline)  # shown struck through
    _check_all_formats(document, redline_from=points.of_version(version))
    assert "Deep in the quotes." in docx_text(export(document, "docx", points.at(T1)).content)
    # The page of that moment's history renders too.
    login(client, secretariat)
    assert client.get(section.get_absolute_url()).status_code == 200


def test_a_text_typst_refuses_is_typeset_plain_and_the_rest_stays_formatted(
    secretariat, monkeypatch, caplog
):
    """The last resort: even if a text got past the limits, only that text loses its form."""
    document = make_document(by=secretariat, sections=1, practices=0, when=T0)
    section = document.sections.get()
    make_practice(section, by=secretariat, heading="Fine", body="Stays *formatted*.", when=T0)
    make_practice(section, by=secretariat, heading="Broken", body="TRIGGER the bug.", when=T0)
    real_block = pdf._block

    def buggy_block(block, notes):
        out = real_block(block, notes)
        return out + "#undefined-function()" if "TRIGGER" in out else out

    monkeypatch.setattr(pdf, "_block", buggy_block)
    with caplog.at_level(logging.ERROR, logger="drafting.export.pdf"):
        content = export(document, "pdf").content
    assert content.startswith(b"%PDF")
    printed = pdf_text(content)
    assert "TRIGGER the bug." in printed and "shown as plain text" in printed
    assert "Stays formatted." in printed and printed.count("shown as plain text") == 1
    assert any("could not be typeset" in r.getMessage() for r in caplog.records)


# --- finding 2: the Markdown export let HTML out ----------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        f"``` a``{IMG} ```",  # a code span holding a shorter run of backticks
        f"` `` {IMG}`",
        f"``x`` {IMG}",
        f"`` ` `` {IMG} `",
        f"```` a```{IMG}` ````",
    ],
)
def test_markdown_export_code_spans_cannot_end_early(secretariat, body):
    document = make_document(by=secretariat, sections=1, practices=0, title=IMG)
    make_practice(document.sections.get(), by=secretariat, heading=IMG, body=body)
    md = export(document, "md").content.decode()
    assert raw_html_tokens(md) == []
    # The code reads back as the code the page shows.
    page_code = [t.content for t in text.parse(body)[1].children if t.type == "code_inline"]
    md_code = [
        c.content for t in _reader.parse(md) for c in (t.children or []) if c.type == "code_inline"
    ]
    assert page_code and md_code == page_code


def test_code_span_fences_are_longer_than_any_backtick_run_inside():
    for value in ["a", "a`b", "``", " `a` ", "a ``` b", "` ", "  "]:
        span = markdown.code_span(value)
        tokens = _reader.parseInline(span)[0].children
        assert [t.type for t in tokens] == ["code_inline"], (value, span)
        assert tokens[0].content == value, (value, span)


# The pandoc the importer uses (the pypandoc-binary wheel, a requirement): always there.
PANDOC = pypandoc.get_pandoc_path()


def test_pandoc_turns_the_markdown_export_into_html_without_live_markup(secretariat):
    document = make_document(by=secretariat, sections=1, practices=0, title=f"T {IMG}")
    section = document.sections.get()
    bodies = [
        f"``` a``{IMG} ```",
        f"{IMG} <script>alert(1)</script> &lt; <http://x.example>",
        "A note that cites itself.[^1]\n\n[^1]: See note [^1].",  # hung commonmark_x and gfm
        "Two notes citing each other.[^a]\n\n[^a]: See [^b].\n\n[^b]: See [^a].",
    ]
    for body in bodies:
        make_practice(section, by=secretariat, heading=f"H {IMG}", body=body)
    md = export(document, "md").content
    for reader in ["markdown", "commonmark_x", "gfm"]:
        html = subprocess.run(  # noqa: S603 (a fixed command; the file is our own export)
            [PANDOC, "-f", reader, "-t", "html", "-s", "--metadata", "pagetitle=t"],  # noqa: S607
            input=md,
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout.decode()
        parser = _Tags()
        parser.feed(html)
        assert not [tag for tag, _ in parser.tags if tag in {"img", "script"}], reader
        assert not [a for _, attrs in parser.tags for a in attrs if a.startswith("on")], reader


def test_markdown_export_still_reads_like_the_page(secretariat):
    """Escaping takes nothing away: emphasis, links, lists and notes survive."""
    document = make_document(by=secretariat, sections=1, practices=0)
    body = (
        "Some *emphasis*, a [link](https://example.org), `code`.\n\n"
        "- one\n- two[^1]\n\n[^1]: A note."
    )
    make_practice(document.sections.get(), by=secretariat, heading="H", body=body)
    md = export(document, "md").content.decode()
    assert "*emphasis*" in md and "[link](<https://example.org>)" in md and "`code`" in md
    assert "- one\n- two[^" in md
    assert raw_html_tokens(md) == []


def test_markdown_notes_hold_no_references_to_notes(secretariat):
    document = make_document(by=secretariat, sections=1, practices=0)
    body = "Self.[^1] Pair.[^a]\n\n[^1]: See [^1].\n\n[^a]: See [^b].\n\n[^b]: See [^a]."
    make_practice(document.sections.get(), by=secretariat, heading="H", body=body)
    md = export(document, "md").content.decode()
    assert refs_inside_notes(md) == 0
    assert md.count("]: See") == 3  # every note is still there
