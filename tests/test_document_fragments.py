"""The document page keeps each practice's rendered HTML per process (drafting.fragments).

What a reader relies on: the page reads exactly the same whether the practices
come from the cache or are rendered afresh; an edit, a reservation accepted for
the record or an agreement shows at once in any process, none of which was told;
nobody sees markup meant for someone else; and the page costs no extra query.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drafting import actions, fragments, reads, text
from drafting.models import Document, Practice
from tests.conftest import login, make_document

_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _page(client, document) -> str:
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    # The CSRF token is masked afresh on every response; everything else must match.
    return _CSRF.sub(r"\1…", response.content.decode())


@pytest.fixture
def process(monkeypatch):
    """Start a fresh "process": an empty memo of fragments, as a new worker has."""

    def start() -> text.Memo:
        memo = text.Memo(fragments.FRAGMENT_CACHE_BYTES)
        monkeypatch.setattr(fragments, "_memo", memo)
        return memo

    return start


@pytest.fixture
def renders(monkeypatch) -> list:
    """Every practice the page renders through the template (a miss of the memo)."""
    calls = []
    real = fragments.render_to_string

    def counting(template, context):
        calls.append(context["practice"].pk)
        return real(template, context)

    monkeypatch.setattr(fragments, "render_to_string", counting)
    return calls


def _first(document) -> Practice:
    return Practice.objects.filter(section__document=document).order_by(
        "section__position", "position"
    )[0]


def _reservation_on_record(document, expert, secretariat, words: str):
    position = actions.state_position(
        _first(document),
        by=expert,
        delegation=expert.profile.delegation,
        stance="reservation",
        text=words,
    )
    return actions.record_reservation(position, by=secretariat, seen_revision=position.revision)


@pytest.mark.parametrize("who", ["expert", "secretariat"])
def test_cached_page_is_byte_identical_to_an_uncached_one(
    who, client, expert, secretariat, process, renders, monkeypatch
):
    document = make_document(by=secretariat, sections=2, practices=3)
    second = Practice.objects.filter(section__document=document).order_by("id")[1]
    actions.update_practice(
        second,
        by=secretariat,
        heading="Footnoted <practice>",
        body="Text with a note.[^1] And *emphasis*.\n\n[^1]: The note.",
        base_revision=second.revision,
    )
    _reservation_on_record(document, expert, secretariat, "We reserve on the *second* sentence.")
    actions.record_agreement(_first(document), by=secretariat, status="agreed")
    login(client, {"expert": expert, "secretariat": secretariat}[who])

    process()
    cold = _page(client, document)
    assert len(renders) == 6  # every practice rendered once
    warm = _page(client, document)
    assert len(renders) == 6  # ...and the second page served them all from the memo
    monkeypatch.setattr(fragments, "_memo", text.Memo(0))  # keeps nothing: always afresh
    uncached = _page(client, document)
    assert len(renders) == 12

    assert warm == cold == uncached
    assert "Good Practice 6</h3>" in warm
    assert "<strong>Footnoted &lt;practice&gt;</strong>" in warm
    assert "We reserve on the <em>second</em> sentence." in warm
    assert 'class="badge standing-agreed"' in warm


def test_an_edit_shows_at_once_in_a_process_that_was_not_told(client, expert, secretariat, process):
    document = make_document(by=secretariat, sections=1, practices=2)
    practice = _first(document)
    login(client, expert)
    first_worker = process()
    assert "Practice 1.1" in _page(client, document)
    kept = len(first_worker)

    # Another process saves a new revision; nothing tells this one's memo.
    actions.update_practice(
        practice.pk,
        by=secretariat,
        heading="A new heading",
        body="New words agreed in Rabat.",
        base_revision=practice.revision,
    )
    assert len(first_worker) == kept
    page = _page(client, document)
    assert "New words agreed in Rabat." in page and "<strong>A new heading</strong>" in page
    assert "Practice 1.1" not in page

    process()  # a worker started after the edit
    assert _page(client, document) == page


def test_reservation_and_agreement_show_at_once_without_a_new_revision(
    client, expert, secretariat, process
):
    document = make_document(by=secretariat, sections=1, practices=2)
    practice = _first(document)
    login(client, expert)
    process()
    before = _page(client, document)
    assert "We cannot accept the deadline." not in before
    assert 'class="badge standing-proposed"' in before

    _reservation_on_record(document, expert, secretariat, "We cannot accept the deadline.")
    actions.record_agreement(practice.pk, by=secretariat, status="ad_referendum")
    practice.refresh_from_db()
    assert practice.revision == 1  # the text did not change, the page around it did
    after = _page(client, document)
    assert "We cannot accept the deadline." in after
    assert 'class="badge standing-ad_referendum"' in after


def test_badges_cached_for_the_review_are_not_shown_to_the_public(client, secretariat, process):
    # Adopted: the public reads the text, not the review (agreement badges included).
    document = make_document(
        by=secretariat, sections=1, practices=2, status=Document.Status.ADOPTED
    )
    process()
    assert "badge standing-" in _page(login(client, secretariat), document)
    client.logout()
    public = _page(client, document)
    assert "Practice 1.1" in public
    assert "badge standing-" not in public


def test_a_warm_page_makes_the_same_queries_as_a_cold_one(client, expert, secretariat, process):
    document = make_document(by=secretariat, sections=3, practices=4)
    login(client, expert)
    process()
    with CaptureQueriesContext(connection) as cold:
        _page(client, document)
    with CaptureQueriesContext(connection) as warm:
        _page(client, document)
    assert len(warm) == len(cold)


def test_the_label_before_the_number_is_part_of_what_is_kept(secretariat, process):
    document = make_document(by=secretariat, sections=1, practices=1)
    item = reads.document_outline(document)[0].practices[0]
    process()
    assert "Good Practice 1</h3>" in fragments.practice_reading(item)
    recommendation = fragments.practice_reading(item, label="Recommendation")
    assert "Recommendation 1</h3>" in recommendation
    assert "Good Practice" not in recommendation
