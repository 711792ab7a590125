"""The document's comments on one page: document order, current numbers, filters (issue 17).

And the amendment list's state filter next to its delegation filter.
"""

import pytest
from django.urls import reverse

from drafting import actions, reads
from drafting.models import Amendment, Practice
from tests.conftest import login, make_document


def _url(document) -> str:
    return reverse("drafting:comment-list", args=[document.slug])


def _listed(response) -> list[int]:
    assert response.status_code == 200
    return [thread.comment.pk for thread in response.context["listing"].threads]


def _practices(document) -> list[Practice]:
    return list(
        Practice.objects.filter(section__document=document).order_by(
            "section__position", "position"
        )
    )


def test_comments_are_listed_in_document_order_with_current_numbers(
    client, expert, other_expert, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=2)
    first, second = document.sections.order_by("position")
    p1, p2, p3, _p4 = _practices(document)
    # Written in the reverse of document order.
    on_p3 = actions.add_comment(second, by=expert, body="On the third.", practice=p3)
    on_second = actions.add_comment(second, by=other_expert, body="On the second section.")
    on_p2 = actions.add_comment(first, by=other_expert, body="On the second.", practice=p2)
    on_p1_late = actions.add_comment(first, by=expert, body="Later on the first.", practice=p1)
    on_p1 = actions.add_comment(first, by=other_expert, body="On the first.", practice=p1)
    reply = actions.reply_to_comment(on_p3, by=secretariat, body="Answered.")
    login(client, secretariat)
    page = client.get(_url(document))
    assert _listed(page) == [on_p1_late.pk, on_p1.pk, on_p2.pk, on_second.pk, on_p3.pk]
    numbers = [t.number for t in page.context["listing"].threads]
    assert numbers == [1, 1, 2, None, 3]
    html = page.content.decode()
    assert "Good Practice 3" in html and "Answered." in html
    assert html.index("On the first.") < html.index("On the second section.")
    assert f"#practice-{p3.pk}" in html and "#section-comments" in html
    assert reply.pk not in _listed(page)  # replies sit in their thread


def test_comment_list_filters_by_state_and_delegation(client, expert, other_expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    section = document.sections.get()
    p1, p2 = _practices(document)
    mine = actions.add_comment(section, by=expert, body="Mine.", practice=p1)
    theirs = actions.add_comment(section, by=other_expert, body="Theirs.", practice=p2)
    answered = actions.add_comment(section, by=other_expert, body="Theirs, answered.")
    actions.reply_to_comment(answered, by=expert, body="Our answer.")
    done = actions.add_comment(section, by=expert, body="Settled.", practice=p2)
    actions.resolve_comment(done, by=secretariat)
    login(client, expert)
    url = _url(document)
    # Unresolved by default; the state filter shows the others.
    assert _listed(client.get(url)) == [answered.pk, mine.pk, theirs.pk]
    assert _listed(client.get(url, {"state": "resolved"})) == [done.pk]
    assert _listed(client.get(url, {"state": "all"})) == [answered.pk, mine.pk, theirs.pk, done.pk]
    # A delegation: the threads its experts started or answered.
    code = expert.profile.delegation.code
    ours = client.get(url, {"delegation": code})
    assert _listed(ours) == [answered.pk, mine.pk]
    assert f'<option value="{code}" selected>' in ours.content.decode()
    assert _listed(client.get(url, {"delegation": code, "state": "all"})) == [
        answered.pk,
        mine.pk,
        done.pk,
    ]
    other = other_expert.profile.delegation.code
    assert _listed(client.get(url, {"delegation": other})) == [answered.pk, theirs.pk]
    # Forged or unknown values show the default list, never an error.
    forged = client.get(url, {"delegation": "<script>", "state": "<b>", "page": "x"})
    assert _listed(forged) == [answered.pk, mine.pk, theirs.pk]
    assert "<script>" not in forged.content.decode()


def test_comment_list_is_paginated_and_links_keep_the_filters(
    client, expert, secretariat, monkeypatch
):
    monkeypatch.setattr(reads.comments, "COMMENTS_PER_PAGE", 2)
    document = make_document(by=secretariat, sections=1, practices=5)
    section = document.sections.get()
    comments = [
        actions.add_comment(section, by=expert, body=f"Note {n}.", practice=practice)
        for n, practice in enumerate(_practices(document), start=1)
    ]
    login(client, expert)
    code = expert.profile.delegation.code
    first = client.get(_url(document), {"delegation": code})
    assert _listed(first) == [c.pk for c in comments[:2]]
    html = first.content.decode()
    assert "5 threads; showing 1–2" in html
    assert f"?delegation={code}&amp;page=2" in html
    assert _listed(client.get(_url(document), {"delegation": code, "page": 3})) == [comments[4].pk]
    # Past the end: the last page.
    assert _listed(client.get(_url(document), {"page": 99})) == [comments[4].pk]


@pytest.mark.parametrize("practices", [2, 12])
def test_comment_list_takes_a_fixed_number_of_queries(
    client, expert, other_expert, secretariat, practices, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=2, practices=practices // 2)
    for practice in _practices(document):
        comment = actions.add_comment(
            practice.section, by=expert, body="A comment.", practice=practice
        )
        actions.reply_to_comment(comment, by=other_expert, body="A reply.")
    login(client, secretariat)
    # Session, user, profile, document, delegations, count, threads, replies, numbers.
    with django_assert_max_num_queries(10):
        response = client.get(_url(document), {"state": "all"})
    assert len(_listed(response)) == practices


def test_document_page_and_dashboard_link_to_the_comments(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    login(client, expert)
    assert _url(document) in client.get(document.get_absolute_url()).content.decode()
    dashboard = client.get(reverse("drafting:document-dashboard", args=[document.slug]))
    assert _url(document) in dashboard.content.decode()


def test_amendment_list_filters_by_state(client, expert, other_expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=3)
    p1, p2, p3 = _practices(document)
    open_one = actions.propose_change(p1, by=expert, heading="A", body="", rationale="R")
    withdrawn = actions.propose_change(p2, by=expert, heading="B", body="", rationale="R")
    actions.withdraw_amendment(withdrawn, by=expert, reason="Overtaken.")
    theirs = actions.propose_deletion(p3, by=other_expert, rationale="R")
    login(client, secretariat)
    url = reverse("drafting:amendment-list", args=[document.slug])

    def listed(**params) -> list[int]:
        response = client.get(url, params)
        assert response.status_code == 200
        return [item.amendment.pk for item in response.context["items"]]

    assert listed() == [open_one.pk, theirs.pk]  # open by default
    assert listed(status=Amendment.Status.WITHDRAWN) == [withdrawn.pk]
    assert listed(status="all") == [open_one.pk, withdrawn.pk, theirs.pk]
    code = expert.profile.delegation.code
    assert listed(status="all", delegation=code) == [open_one.pk, withdrawn.pk]
    assert (
        listed(status=Amendment.Status.WITHDRAWN, delegation=other_expert.profile.delegation.code)
        == []
    )
    # The state links keep the delegation chosen.
    page = client.get(url, {"delegation": code}).content.decode()
    assert f"?status=withdrawn&amp;delegation={code}" in page
    assert listed(status="<bogus>") == [open_one.pk, theirs.pk]
