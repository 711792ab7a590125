"""Search (issue 16): word forms, accents and case, English, French and Arabic, jumping to
a named practice, escaping of snippets, access, and a fixed number of queries.

Every test runs on SQLite (Python matching with the Snowball stemmers) and on
PostgreSQL (full-text search, migration 0024); where the two differ the assertion
says which backend it is about.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from drafting import actions
from drafting.models import Document, Practice
from tests.conftest import login, make_document, make_practice, make_section, make_user

POSTGRESQL = connection.vendor == "postgresql"


def _search(client, document, q: str):
    return client.get(reverse("drafting:document-search", args=[document.slug]), {"q": q})


def _page(client, document, q: str) -> str:
    response = _search(client, document, q)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def _results(page: str) -> str:
    """The results list only (the search box repeats the query)."""
    return page.split('class="search-results"', 1)[1].split("</ol>", 1)[0]


@pytest.fixture
def texts(secretariat) -> Document:
    """Good Practices 1–3 as make_document builds them, then 4–8 in three languages."""
    document = make_document(by=secretariat, sections=1, practices=3)
    section = make_section(document, by=secretariat, title="Families and communities")
    for heading, body in [
        ("Engage families", "Families and schools notice early signs of radicalisation."),
        ("Sécurité des communautés", "Les communautés locales renforcent la sécurité."),
        ("دور الأسرة", "تعزيز دور الأسرة في الوقاية من التطرف العنيف."),
        ("Train front-line workers", "Police and social workers train together."),
        ("Shared reviews", "Experts review the cases every month."),
    ]:
        make_practice(section, by=secretariat, heading=heading, body=body)
    return document


# --- word forms, accents, case, languages --------------------------------------------------


def test_a_word_finds_its_other_forms_highlighted(client, observer, texts):
    page = _page(login(client, observer), texts, "family")
    results = _results(page)
    assert "Good Practice 4" in results
    assert "Engage <mark>families</mark>" in results
    assert "<mark>Families</mark> and schools" in results
    assert "Good Practice 5" not in results and "Good Practice 7" not in results


def test_search_ignores_case_and_accents(client, observer, texts):
    login(client, observer)
    for query in ["securite", "SÉCURITÉ", "Securité"]:
        results = _results(_page(client, texts, query))
        assert "Good Practice 5" in results, query
        assert "<mark>Sécurité</mark> des communautés" in results, query
    assert "Good Practice 4" in _results(_page(client, texts, "FAMILIES"))


def test_french_words_are_found_in_their_forms(client, observer, texts):
    results = _results(_page(login(client, observer), texts, "communaute locale"))
    assert "Good Practice 5" in results
    assert "<mark>communautés</mark> <mark>locales</mark>" in results
    assert "Good Practice 4" not in results


def test_arabic_words_are_found_with_and_without_vowel_marks_and_article(client, observer, texts):
    login(client, observer)
    # The exact word, the word with its vowel marks (tashkeel), and without the article
    # "al-": the Arabic stemmer (Snowball, on both databases) reduces all three to one root.
    for query in ["الأسرة", "الأُسْرَة", "أسرة"]:
        results = _results(_page(client, texts, query))
        assert "Good Practice 6" in results, query
        assert "<mark>الأسرة</mark>" in results, query
        assert "Good Practice 4" not in results, query


def test_every_word_must_match_and_headings_rank_first(client, observer, secretariat, texts):
    section = texts.sections.order_by("position").last()
    make_practice(section, by=secretariat, heading="Schools", body="Mentions families once.")
    login(client, observer)
    results = _results(_page(client, texts, "families schools"))
    # Good Practice 9 has "Schools" in its heading: it ranks above Good Practice 4.
    assert results.index("Good Practice 9") < results.index("Good Practice 4")
    assert "Good Practice 5" not in _results(_page(client, texts, "families sécurité"))


def test_an_edited_practice_is_found_by_its_new_words(client, observer, expert, texts):
    practice = Practice.objects.get(heading="Shared reviews")
    actions.update_practice(
        practice,
        by=expert,
        heading=practice.heading,
        body="Experts review the cases with the prosecutors.",
        base_revision=practice.revision,
    )
    login(client, observer)
    assert "Good Practice 8" in _results(_page(client, texts, "prosecutor"))
    assert "No practice contains this word" in _page(client, texts, "month")


def test_no_result_says_so(client, observer, texts):
    page = _page(login(client, observer), texts, "zebra")
    assert "No practice contains this word" in page
    page = _page(client, texts, "zebra families")
    assert "No practice contains all of these words" in page
    # Punctuation alone is no word in either database: nothing found, no error.
    for query in ["—", "&& ||", "'; DROP TABLE drafting_practice; --"]:
        assert "No practice contains" in _page(client, texts, query), query


# --- a query that names a practice opens it --------------------------------------------------


def _practice(heading: str) -> Practice:
    return Practice.objects.get(heading=heading)


@pytest.mark.parametrize(
    "query", ["GP 5", "gp5", "Good Practice 5", "good practice 5.", "5", " 5 ", "Practice 5"]
)
def test_a_practice_label_opens_that_practice(client, observer, texts, query):
    response = _search(login(client, observer), texts, query)
    assert response.status_code == 302
    assert response["Location"] == _practice("Sécurité des communautés").get_absolute_url()


def test_the_documents_label_term_and_first_number_open_the_practice(client, observer, secretariat):
    document = make_document(
        by=secretariat, sections=1, practices=3, label_term="Recommendation", first_number=20
    )
    login(client, observer)
    response = _search(client, document, "Recommendation 21")
    assert response["Location"] == _practice("Practice 1.2").get_absolute_url()
    # A number the document does not have is searched for as a word.
    page = _page(client, document, "Recommendation 5")
    assert "No practice contains all of these words" in page


def test_a_kept_label_with_bis_opens_that_practice(client, observer, secretariat, expert):
    document = make_document(by=secretariat, sections=1, practices=3)
    document = actions.update_document_details(
        document, by=secretariat, seen_revision=document.revision, numbering="keep"
    )
    two = _practice("Practice 1.2")
    inserted = actions.create_practice(two.section, by=expert, heading="Inserted", after=two)
    login(client, observer)
    for query in ["2 bis", "GP 2bis", "Good Practice 2 bis"]:
        response = _search(client, document, query)
        assert response["Location"] == inserted.get_absolute_url(), query
    assert (
        _search(client, document, "3")["Location"] == _practice("Practice 1.3").get_absolute_url()
    )


# --- escaping ------------------------------------------------------------------------------------


def test_snippets_escape_user_text_once_and_mark_only_matches(client, observer, secretariat):
    document = make_document(by=secretariat, sections=1, practices=0)
    section = document.sections.get()
    make_practice(
        section,
        by=secretariat,
        heading="Families <script>alert(1)</script> & friends",
        body="Families <script>alert(2)</script> fish &amp; chips <mark>x</mark> \ue000y\ue001.",
    )
    results = _results(_page(login(client, observer), document, "families"))
    assert "<script" not in results
    assert "<mark>Families</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in results
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in results
    # "&amp;" in the text is an ampersand (as on the practice page), escaped exactly once.
    assert "fish &amp; chips" in results and "&amp;amp;" not in results
    # The text's own <mark> and marker characters are text, not highlights.
    assert "&lt;mark&gt;x&lt;/mark&gt; y.</p>" in results
    assert results.count("<mark>") == 2


def test_a_match_deep_in_a_long_body_is_shown_in_its_context(client, observer, secretariat):
    document = make_document(by=secretariat, sections=1, practices=0)
    body = "Opening words. " * 40 + "Here the cooperation begins. " + "Closing words. " * 40
    make_practice(document.sections.get(), by=secretariat, heading="Long", body=body)
    results = _results(_page(login(client, observer), document, "cooperating"))
    assert "Here the <mark>cooperation</mark> begins." in results
    snippet = results.split('class="snippet">', 1)[1].split("</p>", 1)[0]
    assert snippet.startswith("… ") and snippet.endswith(" …") and len(snippet) < 300


# --- access ---------------------------------------------------------------------------------------


def test_search_is_for_readers_of_the_document_only(client, secretariat, texts):
    response = _search(client, texts, "families")
    assert response.status_code == 302 and "/login/" in response["Location"]
    adopted = make_document(by=secretariat, sections=1, practices=2, status="adopted")
    # Anyone may search an adopted document's text.
    assert "Good Practice 2" in _results(_page(client, adopted, "practice 1.2"))


def test_an_account_without_a_drafting_role_cannot_search_a_draft(client, texts):
    response = _search(login(client, make_user(None)), texts, "families")
    assert response.status_code == 403


def test_a_forged_document_is_not_found(client, observer):
    response = _search(login(client, observer), Document(slug="nope"), "families")
    assert response.status_code == 404


# --- fixed number of queries ----------------------------------------------------------------------


@pytest.mark.parametrize(("sections", "practices"), [(1, 3), (6, 20)])
def test_search_uses_a_fixed_number_of_queries(
    client, observer, secretariat, django_assert_max_num_queries, sections, practices
):
    document = make_document(by=secretariat, sections=sections, practices=practices)
    login(client, observer)
    client.get(reverse("drafting:home"))
    # Every practice matches: the list is capped at MAX_RESULTS, the queries do not grow.
    with django_assert_max_num_queries(8):
        assert "Good Practice 1" in _page(client, document, "practice body")
    with django_assert_max_num_queries(8):
        assert _search(client, document, "GP 3").status_code == 302


# --- PostgreSQL: the index ------------------------------------------------------------------------


@pytest.mark.skipif(not POSTGRESQL, reason="the GIN index and text configurations are PostgreSQL's")
def test_postgresql_search_uses_the_gin_index(texts):
    from drafting.reads.search import _Matches, _SearchWords, _tsquery

    matches = Practice.objects.filter(_Matches(_SearchWords(), _tsquery(["family"])))
    sql, params = matches.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "drafting_practice_search" in plan, plan
    assert [p.heading for p in matches] == ["Engage families"]
