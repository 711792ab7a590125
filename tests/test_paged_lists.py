"""The compare page's revisions and the Deleted page come a page at a time (issue 13).

A practice edited thousands of times, or a document with hundreds of deletions,
gives a page of the same size and cost as a fresh one: newest first, with page
links that keep what the page is showing, and a link to a deletion that opens
the page listing it.
"""

import pytest
from django.urls import reverse

from drafting import actions
from drafting.history import timelines
from drafting.models import Practice
from drafting.reads import deletions as deleted_reads
from tests.conftest import login, make_document


def _practices(document) -> list[Practice]:
    return list(
        Practice.objects.filter(section__document=document).order_by(
            "section__position", "position"
        )
    )


def _edit(practice: Practice, *, by, times: int) -> Practice:
    for i in range(times):
        practice.refresh_from_db()
        actions.update_practice(
            practice,
            by=by,
            heading=practice.heading,
            body=f"Body after edit {i + 1}.",
            base_revision=practice.revision,
        )
    practice.refresh_from_db()
    return practice


def _compare(client, practice, **query):
    return client.get(reverse("drafting:practice-compare", args=[practice.pk]), query)


# --- compare -----------------------------------------------------------------------------


def test_compare_lists_revisions_a_page_at_a_time(client, expert, secretariat, monkeypatch):
    monkeypatch.setattr(timelines, "PER_PAGE", 2)
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = _edit(_practices(document)[0], by=expert, times=4)  # revisions 1 to 5
    login(client, expert)

    first = _compare(client, practice).content.decode()
    assert "Revision 5 —" in first and "Revision 4 —" in first
    assert "Revision 3 —" not in first
    # By default the latest change: revision 4 against 5.
    assert 'name="from" value="4"' in first and 'name="to" value="5"' in first
    assert "Body after edit <del>3</del><ins>4</ins>." in first

    # Page links keep the two revisions being compared.
    third = _compare(client, practice, **{"from": 1, "to": 5, "page": 3}).content.decode()
    assert "Revision 1 —" in third and "Revision 2 —" not in third
    assert 'href="?from=1&amp;to=5&amp;page=2"' in third
    assert "Newer revisions" in third and "Older revisions" not in third
    # The comparison does not depend on which page of revisions is shown.
    assert 'class="redline redline-body"' in third and "edit 4</ins>" in third
    assert 'name="from" value="1"' in third

    # A page past the end gives the last, one that is no number the first.
    assert "Revision 1 —" in _compare(client, practice, page=99).content.decode()
    assert "Revision 5 —" in _compare(client, practice, page="x").content.decode()


def test_compare_with_a_revision_that_never_was_says_so(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = _edit(_practices(document)[0], by=expert, times=2)
    response = _compare(login(client, expert), practice, **{"from": 9, "to": 3})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This practice has no revision 9." in page
    assert "Revision 3 —" in page  # the list is still there to choose from


@pytest.mark.parametrize("edits", [1, 30])
def test_compare_page_queries_do_not_grow_with_revisions(
    edits, client, expert, secretariat, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = _edit(_practices(document)[0], by=expert, times=edits)
    login(client, expert)
    client.get(reverse("drafting:home"))
    with django_assert_max_num_queries(13):
        response = _compare(client, practice, **{"from": 1, "to": edits + 1, "page": 2})
    assert response.status_code == 200


# --- Deleted page --------------------------------------------------------------------------


def _delete_all(document, *, by) -> list:
    return [actions.delete_practice(p, by=by) for p in _practices(document)]


def test_deleted_page_lists_deletions_a_page_at_a_time(client, secretariat, monkeypatch):
    monkeypatch.setattr(deleted_reads, "DELETED_PER_PAGE", 2)
    document = make_document(by=secretariat, sections=1, practices=5)
    gone = _delete_all(document, by=secretariat)  # oldest first
    url = reverse("drafting:document-deleted", args=[document.slug])
    login(client, secretariat)

    first = client.get(url).content.decode()
    assert f'id="deletion-{gone[4].pk}"' in first and f'id="deletion-{gone[3].pk}"' in first
    assert f'id="deletion-{gone[2].pk}"' not in first
    assert "5 deletions; showing 1–2, newest first." in first
    assert 'href="?page=2" rel="next">Older deletions</a>' in first

    last = client.get(url, {"page": 3}).content.decode()
    assert f'id="deletion-{gone[0].pk}"' in last and f'id="deletion-{gone[1].pk}"' not in last
    assert client.get(url, {"page": "nonsense"}).content.decode().count('class="deleted-item') == 2


def test_a_link_to_a_deletion_opens_the_page_that_lists_it(client, secretariat, monkeypatch):
    monkeypatch.setattr(deleted_reads, "DELETED_PER_PAGE", 2)
    document = make_document(by=secretariat, sections=1, practices=5)
    oldest = _delete_all(document, by=secretariat)[0]
    login(client, secretariat)
    page = client.get(oldest.get_absolute_url()).content.decode()
    assert f'id="deletion-{oldest.pk}"' in page
    assert '<strong aria-current="page">3</strong>' in page
    # Its Restore button works from there, as from any page.
    assert reverse("drafting:deletion-restore", args=[oldest.pk]) in page
    # Page links leave the deletion behind, or every link would lead back to page 3.
    assert 'href="?page=2"' in page


@pytest.mark.parametrize("count", [2, 12])
def test_deleted_page_queries_do_not_grow_with_deletions(
    count, client, secretariat, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(deleted_reads, "DELETED_PER_PAGE", 5)
    document = make_document(by=secretariat, sections=2, practices=count // 2)
    section = document.sections.order_by("position").last()
    _delete_all(document, by=secretariat)
    actions.delete_section(section, by=secretariat)  # its practices: "restore the section first"
    login(client, secretariat)
    client.get(reverse("drafting:home"))
    url = reverse("drafting:document-deleted", args=[document.slug])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"page": 2 if count > 5 else 1})
    assert response.status_code == 200
