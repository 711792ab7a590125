"""Limits that protect the site: per-user rates, the size of a document, the renderer's memory.

Rates are set small with the ``settings`` fixture; the rate windows' clock
(django-ratelimit reads ``time.time()``) is moved by hand, never waited for.
"""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.apps import apps
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.urls import reverse

from drafting import actions, text
from drafting.cache import DatabaseCache
from drafting.models import Amendment, Comment, Deletion, Practice, Section
from tests.conftest import login

pytestmark = pytest.mark.django_db

START = 1_800_000_000  # a fixed moment (2027-01-15) for the rate windows


class _Clock:
    """Stands in for the ``time`` module django-ratelimit reads its windows from."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def rate_clock():
    clock = _Clock(START)
    with mock.patch("django_ratelimit.core.time", clock):
        yield clock


@pytest.fixture
def rates(settings):
    """Set some kinds' rates for one test: ``rates(practices="2/h")``."""

    def set_rates(**kinds: str | None) -> None:
        settings.DRAFTING_RATES = {**settings.DRAFTING_RATES, **kinds}

    return set_rates


def history_rows() -> int:
    return sum(
        m.history.count()
        for m in apps.get_app_config("drafting").get_models()
        if hasattr(m, "history") and not m.__name__.startswith("Historical")
    )


def add_practice(client, section: Section, heading: str):
    return client.post(
        reverse("drafting:practice-add", args=[section.pk]),
        {"heading": heading, "body": "Some text.", "reason": ""},
    )


def first_section(document) -> Section:
    return document.sections.order_by("position", "id").first()


# --- Rates -----------------------------------------------------------------------------------


def test_adding_practices_stops_at_the_rate_with_a_message_and_writes_nothing(
    client, expert, document, rates, rate_clock
):
    rates(practices="2/h")
    section = first_section(document)
    login(client, expert)
    assert add_practice(client, section, "First new").status_code == 302
    assert add_practice(client, section, "Second new").status_code == 302
    before, practices = history_rows(), Practice.objects.count()

    response = add_practice(client, section, "Third new")

    assert response.status_code == 429
    page = response.content.decode()
    assert "faster than the site allows (2 an hour)" in page
    assert "Nothing was saved." in page
    assert "You can go on in" in page
    assert 'value="Third new"' in page  # the typed text is in the form again
    assert history_rows() == before
    assert Practice.objects.count() == practices
    # Reading pages is never limited.
    assert client.get(reverse("drafting:practice-add", args=[section.pk])).status_code == 200
    assert client.get(section.get_absolute_url()).status_code == 200


def test_one_users_limit_leaves_colleagues_free(
    client, expert, other_expert, document, rates, rate_clock
):
    rates(practices="1/h")
    section = first_section(document)
    login(client, expert)
    assert add_practice(client, section, "Mine").status_code == 302
    assert add_practice(client, section, "Mine again").status_code == 429
    client.logout()
    login(client, other_expert)
    assert add_practice(client, section, "A colleague's").status_code == 302


def test_the_window_ends_and_the_user_may_go_on(client, expert, document, rates, rate_clock):
    rates(practices="1/h")
    section = first_section(document)
    login(client, expert)
    assert add_practice(client, section, "One").status_code == 302
    assert add_practice(client, section, "Two").status_code == 429
    rate_clock.now += 3600  # the next hour's window (each user's is jittered within the hour)
    assert add_practice(client, section, "Two").status_code == 302
    assert Practice.objects.filter(heading="Two").count() == 1


def test_the_secretariat_has_a_higher_rate_for_bulk_work(
    client, secretariat, document, rates, rate_clock, settings
):
    rates(practices="1/h")
    settings.DRAFTING_SECRETARIAT_RATE_FACTOR = 3
    section = first_section(document)
    login(client, secretariat)
    for n in range(3):
        assert add_practice(client, section, f"Bulk {n}").status_code == 302
    response = add_practice(client, section, "Bulk 3")
    assert response.status_code == 429
    assert "(3 an hour)" in response.content.decode()


def test_a_rate_set_off_does_not_limit(client, expert, document, rates, rate_clock):
    rates(practices=None)
    section = first_section(document)
    login(client, expert)
    for n in range(5):
        assert add_practice(client, section, f"Free {n}").status_code == 302


def test_the_count_lives_in_the_database_cache_every_process_reads(
    client, expert, document, rates, rate_clock
):
    rates(practices="5/h")
    section = first_section(document)
    login(client, expert)
    assert isinstance(caches["default"], DatabaseCache)
    for n in range(2):
        assert add_practice(client, section, f"Counted {n}").status_code == 302
    # Another worker has its own cache object: it reads the same row of the same table.
    another_worker = DatabaseCache("drafting_cache", {})
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM drafting_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert len(keys) == 1
    stored_key = keys[0].split(":", 2)[2]  # without Django's ":<version>:" prefix
    assert another_worker.get(stored_key) == 2


def test_amendments_comments_sections_and_versions_are_limited_too(
    client, expert, secretariat, document, rates, rate_clock, settings
):
    rates(amendments="1/h", comments="1/h", sections="1/h", versions="1/h")
    settings.DRAFTING_SECRETARIAT_RATE_FACTOR = 1
    section = first_section(document)
    practice = section.practices.order_by("position").first()
    actions.request_review(section.pk, by=secretariat)  # experts propose in review
    login(client, expert)
    propose = reverse("drafting:amendment-propose-change", args=[practice.pk])
    data = {
        "heading": "Changed",
        "body": "Changed body.",
        "rationale": "Why.",
        "base_revision": practice.revision,
    }
    assert client.post(propose, data).status_code == 302
    response = client.post(propose, {**data, "heading": "Changed again"})
    assert response.status_code == 429
    assert "proposed amendments faster than the site allows" in response.content.decode()
    assert Amendment.objects.count() == 1

    comment = reverse("drafting:comment-create", args=[section.pk])
    htmx = {"HX-Request": "true"}
    assert client.post(comment, {"body": "First."}, headers=htmx).status_code == 200
    response = client.post(comment, {"body": "Second thought."}, headers=htmx)
    assert response.status_code == 429
    page = response.content.decode()
    assert "posted comments faster than the site allows" in page
    assert "Second thought." in page  # the thread comes back with the typed comment
    assert Comment.objects.count() == 1

    client.logout()
    login(client, secretariat)
    add = reverse("drafting:section-add", args=[document.slug])
    assert client.post(add, {"title": "Annex", "introduction": ""}).status_code == 302
    response = client.post(add, {"title": "Annex 2", "introduction": ""})
    assert response.status_code == 429
    assert not Section.objects.filter(title="Annex 2").exists()

    name = reverse("drafting:version-create", args=[document.slug])
    assert client.post(name, {"name": "Draft 1", "note": ""}).status_code == 302
    response = client.post(name, {"name": "Draft 2", "note": ""})
    assert response.status_code == 429
    assert "named versions faster than the site allows" in response.content.decode()


def test_previews_pause_past_the_rate_and_resume_in_the_next_window(
    client, expert, rates, rate_clock
):
    rates(previews="2/m")
    login(client, expert)
    url = reverse("drafting:practice-preview")
    htmx = {"HX-Request": "true"}
    for n in range(2):
        assert client.post(url, {"body": f"*draft {n}*"}, headers=htmx).status_code == 200
    response = client.post(url, {"body": "*draft 2*"}, headers=htmx)
    assert response.status_code == 429
    assert "The preview is paused" in response.content.decode()
    assert "(2 a minute)" in response.content.decode()
    rate_clock.now += 60
    response = client.post(url, {"body": "*draft 3*"}, headers=htmx)
    assert response.status_code == 200
    assert "<em>draft 3</em>" in response.content.decode()


def test_rates_are_read_from_the_environment(monkeypatch):
    from drafting.settings import env_rate

    monkeypatch.setenv("DRAFTING_RATE_PRACTICES", "500/2h")
    assert env_rate("DRAFTING_RATE_PRACTICES", "60/h") == "500/2h"
    monkeypatch.setenv("DRAFTING_RATE_PRACTICES", "off")
    assert env_rate("DRAFTING_RATE_PRACTICES", "60/h") is None
    monkeypatch.setenv("DRAFTING_RATE_PRACTICES", "lots")
    with pytest.raises(ImproperlyConfigured, match="DRAFTING_RATE_PRACTICES"):
        env_rate("DRAFTING_RATE_PRACTICES", "60/h")


# --- The shared cache's counter ------------------------------------------------------------


def _expires(key: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM drafting_cache WHERE cache_key = %s", [key])
        return cursor.fetchone()[0]


def test_incr_counts_in_place_and_keeps_the_expiry():
    cache = caches["default"]
    assert cache.add("counter", 1, 3600)
    stored = cache.make_key("counter")
    expires = _expires(stored)
    assert cache.incr("counter") == 2
    assert cache.incr("counter", 3) == 5
    assert cache.get("counter") == 5
    assert _expires(stored) == expires  # Django's own incr would reset it to 5 minutes
    with pytest.raises(ValueError):
        cache.incr("never-set")


@pytest.mark.django_db(transaction=True)
def test_incr_loses_no_count_between_concurrent_workers():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent connections to one test database need PostgreSQL.")
    cache = caches["default"]
    key = "concurrent-counter"
    cache.delete(key)  # the cache table is not emptied between transactional tests
    cache.add(key, 0, 3600)
    errors = []

    def worker():
        try:
            for _ in range(10):
                cache.incr(key)
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get(key) == 40
    cache.delete(key)


# --- The size of a document ----------------------------------------------------------------


def test_a_full_document_refuses_another_practice_in_words(client, expert, document, settings):
    settings.DRAFTING_MAX_PRACTICES_PER_DOCUMENT = Practice.objects.count()  # 6
    before = history_rows()
    login(client, expert)
    response = add_practice(client, first_section(document), "One too many")
    assert response.status_code == 422
    page = response.content.decode()
    assert "A document may hold at most 6 practices; this change would bring it to 7." in page
    assert 'value="One too many"' in page
    assert history_rows() == before


def test_a_full_document_refuses_another_section(client, secretariat, document, settings):
    settings.DRAFTING_MAX_SECTIONS_PER_DOCUMENT = 2
    login(client, secretariat)
    response = client.post(
        reverse("drafting:section-add", args=[document.slug]),
        {"title": "Third", "introduction": ""},
    )
    assert response.status_code == 422
    assert "at most 2 sections" in response.content.decode()
    assert document.sections.count() == 2


def test_text_may_not_grow_past_the_documents_size_but_may_shrink(
    client, expert, document, settings
):
    practice = first_section(document).practices.order_by("position").first()
    total = sum(len(p.heading) + len(p.body) for p in Practice.objects.all()) + sum(
        len(s.title) + len(s.introduction) for s in Section.objects.all()
    )
    settings.DRAFTING_MAX_DOCUMENT_CHARACTERS = total + 10
    login(client, expert)
    url = reverse("drafting:practice-edit", args=[practice.pk])
    longer = practice.body + " Eleven more"
    response = client.post(
        url, {"heading": practice.heading, "body": longer, "base_revision": practice.revision}
    )
    assert response.status_code == 422
    assert f"at most {total + 10:,} characters of text" in response.content.decode()
    practice.refresh_from_db()
    assert practice.revision == 1
    # A document already past a lowered limit can still be cut down.
    settings.DRAFTING_MAX_DOCUMENT_CHARACTERS = 10
    response = client.post(
        url, {"heading": practice.heading, "body": "Short.", "base_revision": practice.revision}
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.body == "Short."


def test_restoring_into_a_full_document_is_refused_and_restores_nothing(
    client, secretariat, document, settings
):
    section = first_section(document)
    practice = section.practices.order_by("position").first()
    deletion = actions.delete_practice(practice, by=secretariat, reason="Not needed.")
    settings.DRAFTING_MAX_PRACTICES_PER_DOCUMENT = Practice.objects.count()  # 5
    before = history_rows()
    login(client, secretariat)
    response = client.post(
        reverse("drafting:deletion-restore", args=[deletion.pk]), {"reason": ""}, follow=True
    )
    assert "at most 5 practices; this change would bring it to 6" in response.content.decode()
    assert not Practice.objects.filter(pk=practice.pk).exists()
    assert Deletion.objects.get(pk=deletion.pk).restored_at is None
    assert history_rows() == before


def test_accepting_a_new_practice_into_a_full_document_is_refused(
    client, expert, secretariat, document, settings
):
    section = first_section(document)
    amendment = actions.propose_practice(
        section, by=expert, heading="An extra practice", body="", rationale="Gap."
    )
    settings.DRAFTING_MAX_PRACTICES_PER_DOCUMENT = Practice.objects.count()
    before = history_rows()
    login(client, secretariat)
    response = client.post(
        reverse("drafting:amendment-accept", args=[amendment.pk]),
        {"note": "", "heading": "An extra practice", "body": "", "after": "first"},
    )
    assert response.status_code == 422
    assert "A document may hold at most 6 practices" in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.OPEN
    assert history_rows() == before


# --- The renderer's memory -----------------------------------------------------------------


def test_previews_take_no_place_in_the_renderers_memo(client, expert):
    login(client, expert)
    held = text._rendered.bytes
    for n in range(20):
        body = f"A draft being typed, version {n}. " + "word " * 2000
        response = client.post(reverse("drafting:practice-preview"), {"body": body})
        assert response.status_code == 200
    assert text._rendered.bytes == held


def test_the_renderers_memo_stays_within_its_memory_budget(monkeypatch):
    memo = text.Memo(200_000)
    monkeypatch.setattr(text, "_rendered", memo)
    for n in range(200):
        text.render(f"Practice {n}: " + "text " * 1000)
    assert 0 < memo.bytes <= 200_000
    # Keys are (source, prefix, first footnote number): text._render.
    assert memo.get((f"Practice 199: {'text ' * 1000}", "", "1")) is not None  # the latest is kept
    assert memo.get((f"Practice 0: {'text ' * 1000}", "", "1")) is None  # the oldest went first
    text.render("x" * 150_000)  # larger than the whole budget: rendered, not kept
    assert memo.bytes <= 200_000


def test_the_redline_memo_stays_within_its_memory_budget(monkeypatch):
    from drafting import diff

    memo = text.Memo(100_000)
    monkeypatch.setattr(diff, "_memo", memo)
    for n in range(100):
        old = f"Version {n} of a long practice. " + "word " * 500
        assert "<ins>" in diff.redline_html(old, old + " One more sentence.")
    assert 0 < memo.bytes <= 100_000


def test_saving_texts_and_moving_practices_stop_at_the_edit_rate_keeping_the_text(
    client, expert, document, rates, rate_clock
):
    """The probe saved 200 bodies of 19,900 characters in 7.5 s: history kept for ever."""
    rates(edits="2/h")
    section = first_section(document)
    practice = section.practices.order_by("position").first()
    login(client, expert)
    url = reverse("drafting:practice-edit", args=[practice.pk])
    for n in (1, 2):
        practice.refresh_from_db()
        data = {"heading": f"Edit {n}", "body": "Text.", "base_revision": practice.revision}
        assert client.post(url, {**data, "reason": ""}).status_code == 302
    practice.refresh_from_db()
    before = history_rows()
    data = {"heading": "Edit 3", "body": "Typed " * 50, "base_revision": practice.revision}
    response = client.post(url, {**data, "reason": ""})
    assert response.status_code == 429
    assert "faster than the site allows (2 an hour)" in response.text
    assert "Typed Typed" in response.text  # the typed text is still in the form
    move = {"direction": "down", "reason": "", "seen_revision": practice.revision}
    moved = client.post(reverse("drafting:practice-move", args=[practice.pk]), move)
    assert moved.status_code == 429
    section_url = reverse("drafting:section-edit", args=[section.pk])
    section_data = {"title": "New title", "introduction": "", "base_revision": section.revision}
    assert client.post(section_url, {**section_data, "reason": ""}).status_code == 429
    assert history_rows() == before
    practice.refresh_from_db()
    assert practice.heading == "Edit 2"


def test_a_comment_refused_without_javascript_comes_back_with_its_text(
    client, expert, document, rates, rate_clock
):
    """The probe: without htmx, a refused comment redirected and the typed text was gone."""
    rates(comments="1/h")
    section = first_section(document)
    url = reverse("drafting:comment-create", args=[section.pk])
    login(client, expert)
    assert client.post(url, {"body": "First comment."}).status_code == 302
    before = history_rows()
    response = client.post(url, {"body": "my-long-typed-comment-XYZ"})
    assert response.status_code == 429
    assert "faster than the site allows (1 an hour)" in response.text
    assert "my-long-typed-comment-XYZ</textarea>" in response.text
    assert f'action="{url}"' in response.text  # posts again where it was meant to go
    assert history_rows() == before
