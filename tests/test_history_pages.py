"""History pages: timelines, redlines, compare, what changed since, restore, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drafting import actions
from drafting.history import stamp
from drafting.models import Practice, Section, Version
from tests.conftest import clock, login, make_document, make_practice, make_section


def _practices(document) -> list[Practice]:
    return list(
        Practice.objects.filter(section__document=document).order_by(
            "section__position", "position", "id"
        )
    )


def _edit(practice: Practice, *, by, heading=None, body=None, reason="") -> Practice:
    practice.refresh_from_db()
    return actions.update_practice(
        practice,
        by=by,
        heading=heading if heading is not None else practice.heading,
        body=body if body is not None else practice.body,
        base_revision=practice.revision,
        reason=reason,
    )


def _page(client, name, *args, **query) -> str:
    url = reverse(f"drafting:{name}", args=args)
    response = client.get(url, query)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


# --- practice timeline ---------------------------------------------------------------


def test_practice_history_names_who_delegation_reason_and_redlines(client, expert, document):
    practice = _practices(document)[1]
    _edit(
        practice,
        by=expert,
        heading="Practice 1.2, revised",
        body="Body of 1.2, with families.",
        reason="Agreed at the Rabat review meeting.",
    )
    page = _page(login(client, expert), "practice-history", practice.pk)
    assert expert.get_full_name() in page
    assert expert.profile.delegation.name in page
    assert "Agreed at the Rabat review meeting." in page
    assert "Practice 1.2<ins>, revised</ins>" in page
    assert "Body of 1.2<ins>, with families</ins>." in page
    assert "Good Practice 2" in page
    assert "revision 2" in page


def test_practice_history_shows_the_number_it_had_when_renumbered(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=3)
    first, second, third = _practices(document)
    _edit(third, by=expert, body="Third body, edited while it was number three.")
    actions.move_practice(third, by=expert, first=True, reason="Most important first.")
    _edit(third, by=expert, body="Third body, edited as number one.")
    page = _page(login(client, expert), "practice-history", third.pk)
    assert "History of Good Practice 1" in page
    assert "was Good Practice 3" in page
    assert "Moved within the section" in page
    assert "(renumbered from 3)" in page
    assert "Most important first." in page
    # Renumbered by someone else's move: its own history still knows it was number 1.
    page = _page(client, "practice-history", first.pk)
    assert "History of Good Practice 2" in page
    assert "was Good Practice 1" in page


def test_deleted_practice_keeps_a_history_page(client, expert, document):
    practice = _practices(document)[4]
    pk = practice.pk  # delete() forgets it
    actions.delete_practice(practice, by=expert, reason="Duplicates practice 2.")
    page = _page(login(client, expert), "practice-history", pk)
    assert "History of a deleted practice (was Good Practice 5)" in page
    assert "Duplicates practice 2." in page
    assert "Restore this practice at its old place" in page


def test_history_of_a_practice_that_never_existed_is_404(client, expert, document):
    login(client, expert)
    for name in ["practice-history", "practice-compare"]:
        assert client.get(reverse(f"drafting:{name}", args=[999_999])).status_code == 404
    assert client.get(reverse("drafting:section-history", args=[999_999])).status_code == 404


# --- compare -------------------------------------------------------------------------


def test_compare_any_two_revisions(client, expert, document):
    practice = _practices(document)[0]
    _edit(practice, by=expert, body="Second text of the body.")
    _edit(practice, by=expert, body="Third text of the body, longer.")
    login(client, expert)
    page = _page(client, "practice-compare", practice.pk, **{"from": 1, "to": 3})
    assert (
        "<del>Body</del><ins>Third text</ins> of <del>1.1</del><ins>the body, longer</ins>." in page
    )
    page = _page(client, "practice-compare", practice.pk, **{"from": 2, "to": 3})
    assert "text of the body<ins>, longer</ins>." in page
    # Without parameters: the latest change.
    page = _page(client, "practice-compare", practice.pk)
    assert "<ins>, longer</ins>" in page
    assert 'name="from"' in page and 'name="to"' in page


@pytest.mark.parametrize("query", [{"from": 9, "to": 1}, {"from": "x", "to": 1}, {"from": 1}])
def test_compare_with_unknown_revision_is_a_form_error(client, expert, document, query):
    practice = _practices(document)[0]
    response = login(client, expert).get(
        reverse("drafting:practice-compare", args=[practice.pk]), query
    )
    assert response.status_code == 400
    assert "field-error" in response.content.decode()


# --- section timeline -------------------------------------------------------------------


def test_section_history_lists_section_and_practice_changes(client, expert, secretariat):
    document = make_document(by=secretariat, sections=2, practices=2)
    first_section, second_section = document.sections.order_by("position")
    a, b, c, d = _practices(document)
    a_pk = a.pk
    stamp(first_section, by=expert, reason="Clearer title.")
    first_section.title = "Prevention, revised"
    first_section.save()
    _edit(a, by=expert, body="Body of 1.1, now with schools.", reason="Schools matter.")
    actions.move_practice(c, by=expert, section=first_section, reason="Belongs with prevention.")
    actions.move_practice(b, by=expert, section=second_section, reason="Belongs with detection.")
    actions.delete_practice(a, by=expert, reason="Merged into 1.2.")
    page = _page(login(client, expert), "section-history", first_section.pk)
    assert "<del>Section 1</del><ins>Prevention, revised</ins>" in page
    assert "now with schools" in page and "Schools matter." in page
    assert "Moved in from “Section 2”" in page
    assert "Moved out to “Section 2”" in page
    assert "Merged into 1.2." in page
    assert reverse("drafting:practice-undelete", args=[a_pk]) in page
    # Newest first.
    assert page.index("Merged into 1.2.") < page.index("Schools matter.")


def test_observer_reads_section_history_without_restore_buttons(client, observer, expert, document):
    section = document.sections.first()
    actions.delete_practice(section.practices.first(), by=expert)
    page = _page(login(client, observer), "section-history", section.pk)
    assert "Practice deleted." in page
    assert "practice-undelete" not in page and "/undelete/" not in page


# --- restore and undelete --------------------------------------------------------------


def test_restore_revision_is_a_new_change_that_says_what_was_restored(client, expert, document):
    practice = _practices(document)[1]
    _edit(practice, by=expert, heading="A worse heading", body="A worse body.")
    response = login(client, expert).post(
        reverse("drafting:practice-restore", args=[practice.pk]),
        {"revision": 1, "base_revision": 2, "reason": "The original was agreed."},
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert (practice.heading, practice.body, practice.revision) == (
        "Practice 1.2",
        "Body of 1.2.",
        3,
    )
    row = practice.history.order_by("-history_date", "-history_id").first()
    assert row.history_user == expert
    assert row.history_change_reason.startswith("Restored revision 1 of Good Practice 2 (text of ")
    assert "The original was agreed." in row.history_change_reason
    page = _page(client, "practice-history", practice.pk)
    assert "Restored revision 1 of Good Practice 2" in page


def test_restore_from_a_stale_page_is_refused(client, expert, other_expert, document):
    practice = _practices(document)[0]
    _edit(practice, by=expert, body="Second body.")
    _edit(practice, by=other_expert, body="Third body, written meanwhile.")
    response = login(client, expert).post(
        reverse("drafting:practice-restore", args=[practice.pk]),
        {"revision": 1, "base_revision": 2},
        follow=True,
    )
    assert "Nothing restored" in response.content.decode()
    practice.refresh_from_db()
    assert (practice.body, practice.revision) == ("Third body, written meanwhile.", 3)


def test_restore_of_the_current_text_is_refused_with_a_message(client, expert, document):
    practice = _practices(document)[0]
    response = login(client, expert).post(
        reverse("drafting:practice-restore", args=[practice.pk]), {"revision": 1}, follow=True
    )
    assert "nothing to restore" in response.content.decode()
    practice.refresh_from_db()
    assert practice.revision == 1


def test_undelete_recreates_the_practice_with_its_id_at_its_old_place(client, expert, document):
    before = [p.pk for p in _practices(document)]
    middle = _practices(document)[1]
    pk = middle.pk
    actions.delete_practice(middle, by=expert, reason="Too long.")
    response = login(client, expert).post(
        reverse("drafting:practice-undelete", args=[pk]), {"reason": "Needed after all."}
    )
    assert response.status_code == 302
    assert [p.pk for p in _practices(document)] == before
    restored = Practice.objects.get(pk=pk)
    assert (restored.heading, restored.body) == (middle.heading, middle.body)
    assert restored.revision == middle.revision + 1
    row = restored.history.order_by("-history_date", "-history_id").first()
    assert row.history_type == "+" and row.history_user == expert
    assert row.history_change_reason.startswith("Restored deleted Good Practice 2 (deleted ")
    assert "Needed after all." in row.history_change_reason
    page = _page(client, "practice-history", pk)
    assert "Restored after deletion" in page and "History of Good Practice 2" in page


def test_undelete_after_neighbours_moved_goes_after_the_one_still_before_it(expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=4)
    a, b, c, d = _practices(document)
    c_pk = c.pk
    actions.delete_practice(c, by=expert)
    actions.move_practice(d, by=expert, first=True)  # now d, a, b
    actions.undelete_practice(c_pk, by=expert)
    assert [p.pk for p in _practices(document)] == [d.pk, a.pk, b.pk, c_pk]


def test_undelete_is_refused_when_its_section_is_gone(client, expert, secretariat):
    document = make_document(by=secretariat, sections=2, practices=1)
    section = document.sections.order_by("position").last()
    practice = section.practices.get()
    pk = practice.pk
    stamp(practice, by=expert, reason="Going with its section.")
    practice.delete()
    stamp(section, by=expert, reason="Section dropped.")
    section.delete()
    response = login(client, expert).post(
        reverse("drafting:practice-undelete", args=[pk]), follow=True
    )
    assert "its section “Section 2” has been deleted" in response.content.decode()
    assert not Practice.objects.filter(pk=pk).exists()


def test_undelete_of_a_practice_that_exists_is_refused(client, expert, document):
    practice = _practices(document)[0]
    response = login(client, expert).post(
        reverse("drafting:practice-undelete", args=[practice.pk]), follow=True
    )
    assert "has not been deleted" in response.content.decode()


def test_observer_reads_history_but_cannot_restore_or_undelete(client, observer, expert, document):
    edited, deleted = _practices(document)[:2]
    deleted_pk = deleted.pk
    _edit(edited, by=expert, body="Changed.")
    actions.delete_practice(deleted, by=expert)
    login(client, observer)
    page = _page(client, "practice-history", edited.pk)
    assert "Restore revision" not in page
    response = client.post(reverse("drafting:practice-restore", args=[edited.pk]), {"revision": 1})
    assert response.status_code == 403
    assert "Observers can read the draft but not change it." in response.content.decode()
    response = client.post(reverse("drafting:practice-undelete", args=[deleted_pk]))
    assert response.status_code == 403
    edited.refresh_from_db()
    assert (edited.body, edited.revision) == ("Changed.", 2)
    assert not Practice.objects.filter(pk=deleted_pk).exists()


def test_anonymous_is_sent_to_login_everywhere(client, document):
    practice = _practices(document)[0]
    urls = [
        reverse("drafting:practice-history", args=[practice.pk]),
        reverse("drafting:practice-compare", args=[practice.pk]),
        reverse("drafting:section-history", args=[practice.section_id]),
        reverse("drafting:document-changes", args=[document.slug]),
        reverse("drafting:document-search", args=[document.slug]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for name in ["practice-restore", "practice-undelete"]:
        response = client.post(reverse(f"drafting:{name}", args=[practice.pk]), {"revision": 1})
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_get_on_restore_and_undelete_is_405(client, expert, document):
    practice = _practices(document)[0]
    login(client, expert)
    for name in ["practice-restore", "practice-undelete"]:
        assert client.get(reverse(f"drafting:{name}", args=[practice.pk])).status_code == 405


@pytest.mark.parametrize("revision", ["x", "", str(10**30), "-1"])
def test_restore_without_a_valid_revision_changes_nothing(client, expert, document, revision):
    practice = _practices(document)[0]
    response = login(client, expert).post(
        reverse("drafting:practice-restore", args=[practice.pk]),
        {"revision": revision},
        follow=True,
    )
    assert "Choose a revision to restore." in response.content.decode()
    assert practice.history.count() == 1


# --- what changed since ---------------------------------------------------------------------


def test_what_changed_since_a_version_lists_changes_in_document_order(client, expert, secretariat):
    document = make_document(by=secretariat, sections=2, practices=3)
    first_section, second_section = document.sections.order_by("position")
    p11, p12, p13, p21, p22, p23 = _practices(document)
    version = Version(
        document=document, name="Draft 1", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat, reason="Named.")
    version.save()
    _edit(p12, by=expert, body="Body of 1.2, amended.", reason="Tighter wording.")
    actions.delete_practice(p13, by=expert, reason="Redundant.")
    actions.move_practice(p21, by=expert, section=first_section, first=True, reason="Up.")
    new = actions.create_practice(second_section, by=expert, heading="Brand new practice")
    page = _page(login(client, expert), "document-changes", document.slug, version=version.pk)

    assert "version “Draft 1”" in page
    assert "Body of 1.2<ins>, amended</ins>." in page
    assert "Tighter wording." in page
    assert "<del>Practice 1.3</del>" in page
    assert "<ins>Brand new practice</ins>" in page
    order = [
        page.index("Practice 2.1"),  # moved to the top of section 1
        page.index("Body of 1.2<ins>"),
        page.index("<del>Practice 1.3</del>"),  # deleted, where it stood
        page.index("<ins>Brand new practice</ins>"),
    ]
    assert order == sorted(order)
    # Only the practice that moved is flagged; the ones it pushed down were renumbered only.
    assert page.count(">Moved</span>") == 1
    assert "Practice 1.1" not in page and "Practice 2.2" not in page
    assert "only renumbered" in page
    assert new.pk and p22.pk and p23.pk


def test_what_changed_since_a_date_and_bad_input(client, expert, secretariat):
    # Named moments, not the wall clock: this test used to take "now - 0.5 s" and
    # accept either outcome, and its "changed" branch could never match (the redline
    # puts the full stop outside <ins>), so it passed only when login and the first
    # page took longer than half a second.
    created = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    edited = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)
    with clock(created):
        document = make_document(by=secretariat)
    practice = _practices(document)[0]
    with clock(edited):
        _edit(practice, by=expert, body="Changed today.")
    login(client, expert)
    # The document did not exist on the 9th: everything is new since then.
    page = _page(client, "document-changes", document.slug, since="2025-03-09")
    assert "<ins>Practice 1.1</ins>" in page and "<ins>Practice 2.3</ins>" in page
    # Since the 11th, or since the very instant of the edit: only the edit.
    for since in ["2025-03-11", edited.isoformat(), "2025-03-12T15:30"]:
        page = _page(client, "document-changes", document.slug, since=since)
        assert "<del>Body of 1.1</del><ins>Changed today</ins>." in page
        assert "Practice 1.2" not in page
    # Just after it: nothing.
    after = (edited + timedelta(microseconds=1)).isoformat()
    page = _page(client, "document-changes", document.slug, since=after)
    assert "Nothing changed since then." in page
    url = reverse("drafting:document-changes", args=[document.slug])
    assert client.get(url).status_code == 200
    for query in [{"since": "last tuesday"}, {"since": ""}, {"version": 999_999}]:
        response = client.get(url, query)
        assert response.status_code == 400
        assert "error" in response.content.decode()


def test_what_changed_page_of_unknown_document_is_404(client, expert):
    login(client, expert)
    assert client.get(reverse("drafting:document-changes", args=["nope"])).status_code == 404


# --- search -----------------------------------------------------------------------------------


def test_search_finds_practices_by_words_with_current_numbers(client, observer, secretariat):
    document = make_document(by=secretariat, sections=2, practices=2)
    section = document.sections.order_by("position").last()
    make_practice(
        section, by=secretariat, heading="Engage families", body="Families and <b>schools</b>."
    )
    login(client, observer)
    page = _page(client, "document-search", document.slug, q="families SCHOOLS")
    assert "Good Practice 5" in page
    assert "Engage <mark>families</mark>" in page
    assert "<mark>schools</mark>" in page and "<b>" not in page.split("search-results")[1]
    page = _page(client, "document-search", document.slug, q="Body 2.1")
    assert "Good Practice 3" in page and "Good Practice 1<" not in page
    page = _page(client, "document-search", document.slug, q="zebra")
    assert "No practice contains this word" in page


def test_search_handles_empty_and_huge_queries(client, expert, document):
    login(client, expert)
    page = _page(client, "document-search", document.slug, q="   ")
    assert "Type one or more words" in page
    response = client.get(
        reverse("drafting:document-search", args=[document.slug]), {"q": "word " * 200}
    )
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_document_page_has_the_search_box(client, expert, document):
    page = _page(login(client, expert), "document-detail", document.slug)
    assert f'action="{reverse("drafting:document-search", args=[document.slug])}"' in page


# --- injected markup stays text --------------------------------------------------------------


def test_script_in_text_and_reason_is_shown_as_text_on_history_pages(client, expert, document):
    practice = _practices(document)[0]
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    _edit(practice, by=expert, heading=f"H {payload}", body=f"B {payload}", reason=payload)
    login(client, expert)
    for page in [
        _page(client, "practice-history", practice.pk),
        _page(client, "practice-compare", practice.pk),
        _page(client, "section-history", practice.section_id),
        _page(client, "document-changes", document.slug, since="2000-01-01"),
        _page(client, "document-search", document.slug, q="alert"),
    ]:
        assert "<script>alert" not in page and "<img src=x" not in page


# --- fixed number of queries ---------------------------------------------------------------------


def _grow(document, *, by, rounds: int) -> None:
    """Edit every practice ``rounds`` times and move a few: more history rows, same pages."""
    for r in range(rounds):
        for practice in _practices(document):
            _edit(practice, by=by, body=f"{practice.body} Round {r}.")
    practices = _practices(document)
    actions.move_practice(practices[-1], by=by, first=True)


@pytest.mark.parametrize(("sections", "practices", "rounds"), [(1, 2, 0), (4, 6, 3)])
def test_history_pages_use_a_fixed_number_of_queries(
    client, expert, secretariat, django_assert_max_num_queries, sections, practices, rounds
):
    document = make_document(by=secretariat, sections=sections, practices=practices)
    _grow(document, by=expert, rounds=rounds)
    extra = make_section(document, by=secretariat, title="Extra")
    gone = make_practice(extra, by=secretariat, heading="Soon gone")
    gone_pk = gone.pk
    actions.delete_practice(gone, by=expert)
    version_time = timezone.now()
    target = _practices(document)[0]
    login(client, expert)
    client.get(reverse("drafting:home"))  # session and user are loaded once per request anyway
    pages = [
        reverse("drafting:practice-history", args=[target.pk]),
        reverse("drafting:practice-history", args=[gone_pk]),
        reverse("drafting:practice-compare", args=[target.pk]),
        reverse("drafting:section-history", args=[target.section_id]),
        reverse("drafting:document-changes", args=[document.slug])
        + f"?since={(version_time - timedelta(days=1)).date().isoformat()}",
        reverse("drafting:document-search", args=[document.slug]) + "?q=Practice",
    ]
    for url in pages:
        # 13: a paginated history page counts its changes for the page links.
        with django_assert_max_num_queries(13):
            assert client.get(url).status_code == 200, url


def test_section_of_a_deleted_section_still_has_history(client, expert, secretariat):
    document = make_document(by=secretariat, sections=2, practices=1)
    section = document.sections.order_by("position").last()
    practice = section.practices.get()
    section_pk = section.pk
    stamp(practice, by=expert, reason="With its section.")
    practice.delete()
    stamp(section, by=expert, reason="Section dropped.")
    section.delete()
    page = _page(login(client, expert), "section-history", section_pk)
    assert "This section has been deleted." in page and "Section dropped." in page
    assert not Section.objects.filter(pk=section_pk).exists()


def test_restore_ignores_a_next_that_is_not_a_path_on_this_site(client, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    login(client, secretariat)
    for target in ("12", "practice-history", "https://evil.example/", "//evil.example/"):
        response = client.post(
            reverse("drafting:practice-restore", args=[practice.pk]), {"next": target}
        )
        assert response.status_code == 302, target
        assert response["Location"] == reverse("drafting:practice-history", args=[practice.pk])


# --- paginated history pages (issue 13) ------------------------------------------------------

DAY = datetime(2018, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def small_pages(monkeypatch):
    """Five changes a page, so a few edits make several pages."""
    from drafting.history import timelines

    monkeypatch.setattr(timelines, "PER_PAGE", 5)


def _edits_on_days(practice, *, by, days: int) -> None:
    """One edit of ``practice`` a day for ``days`` days after DAY, reason "Edit on day N"."""
    for n in range(1, days + 1):
        with clock(DAY + timedelta(days=n)):
            _edit(practice, by=by, body=f"Body on day {n}.", reason=f"Edit on day {n}.")


def test_section_history_pages_run_newest_first_with_links(
    client, expert, secretariat, small_pages
):
    with clock(DAY):
        document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    _edits_on_days(_practices(document)[0], by=expert, days=12)  # 14 changes with the creations
    login(client, expert)

    first = _page(client, "section-history", section.pk)
    assert "14 changes" in first
    assert "Edit on day 12." in first and "Edit on day 8." in first
    assert "Edit on day 7." not in first
    assert first.index("Edit on day 12.") < first.index("Edit on day 8.")
    assert 'href="?page=2" rel="next">Older changes' in first

    last = _page(client, "section-history", section.pk, page=3)
    assert "Edit on day 2." in last and "Test section." in last and "Edit on day 3." not in last
    assert 'href="?page=2" rel="prev">Newer changes' in last
    # A page past the end, or not a number, still answers: the last page, the first.
    assert "Test section." in _page(client, "section-history", section.pk, page=99)
    assert "Edit on day 12." in _page(client, "section-history", section.pk, page="x")


def test_practice_history_pages_keep_the_latest_facts_on_every_page(
    client, expert, secretariat, small_pages
):
    with clock(DAY):
        document = make_document(by=secretariat, sections=1, practices=2)
    practice = _practices(document)[1]
    _edits_on_days(practice, by=expert, days=8)
    actions.delete_practice(practice, by=expert, reason="Merged.")
    login(client, expert)

    last = _page(client, "practice-history", practice.pk, page=2)
    assert "10 recorded changes" in last
    assert "Test practice." in last and "Edit on day 4." in last and "Merged." not in last
    # The header speaks of the practice now (deleted, by whom, its last number) on any page.
    assert "This practice was deleted" in last and "(was Good Practice 2)" in last
    assert expert.username in last or expert.get_full_name() in last


def test_jump_to_a_date_lands_on_the_page_with_that_days_first_change(
    client, expert, secretariat, small_pages
):
    with clock(DAY):
        document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    practice = _practices(document)[0]
    _edits_on_days(practice, by=expert, days=12)
    day_3 = practice.history.get(history_change_reason="Edit on day 3.")
    login(client, expert)

    for name, pk, anchor in [
        ("section-history", section.pk, f"change-p{day_3.history_id}"),
        ("practice-history", practice.pk, f"change-{day_3.history_id}"),
    ]:
        url = reverse(f"drafting:{name}", args=[pk])
        response = client.get(url, {"on": (DAY + timedelta(days=3)).date().isoformat()})
        assert response.status_code == 302
        assert response["Location"] == f"{url}?page=2#{anchor}"
        page = client.get(response["Location"]).content.decode()
        assert f'id="{anchor}"' in page and "Edit on day 3." in page
        # Before everything: the oldest page; after everything: the newest.
        response = client.get(url, {"on": "2001-01-01"})
        assert response["Location"].startswith(f"{url}?page=3#")
        assert client.get(url, {"on": "2030-01-01"})["Location"].startswith(f"{url}?page=1#")


@pytest.mark.parametrize("on", ["yesterday", "2018-02-30", "9" * 300])
def test_jump_to_a_bad_date_is_an_error_next_to_the_field(client, expert, document, on):
    section = document.sections.first()
    login(client, expert)
    for name, pk in [
        ("section-history", section.pk),
        ("practice-history", _practices(document)[0].pk),
    ]:
        response = client.get(reverse(f"drafting:{name}", args=[pk]), {"on": on})
        assert response.status_code == 400
        page = response.content.decode()
        assert 'class="field-error"' in page and "is not a date" in page
        assert "Test practice." in page  # the first page is still shown


@pytest.mark.parametrize("days", [2, 30])
def test_paginated_history_pages_cost_the_same_queries_at_any_age(
    client, expert, secretariat, small_pages, django_assert_max_num_queries, days
):
    with clock(DAY):
        document = make_document(by=secretariat, sections=2, practices=2)
    section = document.sections.order_by("position").first()
    practice = _practices(document)[0]
    _edits_on_days(practice, by=expert, days=days)
    login(client, expert)
    client.get(reverse("drafting:home"))
    for name, pk in [("section-history", section.pk), ("practice-history", practice.pk)]:
        url = reverse(f"drafting:{name}", args=[pk])
        for query in [{}, {"page": 2}, {"page": 99}, {"on": "2018-03-03"}]:
            with django_assert_max_num_queries(13):
                assert client.get(url, query).status_code in (200, 302), (url, query)
