"""My work (issue 15): the home page's panels for experts and the secretariat.

Every panel is read through the client with real logins: each shows the right items
to the right person, nothing of another delegation's or of a document whose review
is closed (adopted), says what would appear when empty, and the page's query count
does not grow with the number of documents, amendments, comments or practices.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from drafting import actions
from drafting.history import stamp
from drafting.models import (
    Document,
    ExpertProfile,
    Notification,
    Position,
    ReviewMeeting,
    WorkingGroup,
)
from tests.conftest import (
    NOT_AGREED,
    clock,
    login,
    make_delegation,
    make_document,
    make_user,
)

Role = ExpertProfile.Role
User = get_user_model()
HOME = "/"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def people(db):
    """Two experts of Morocco, one of the Netherlands, a secretariat officer, an observer."""
    morocco = make_delegation(name="Morocco", code="MA")
    netherlands = make_delegation(name="Netherlands", code="NL")
    return {
        "ma": make_user(Role.EXPERT, delegation=morocco),
        "ma2": make_user(Role.EXPERT, delegation=morocco),
        "nl": make_user(Role.EXPERT, delegation=netherlands),
        "clerk": make_user(Role.SECRETARIAT),
        "observer": make_user(Role.OBSERVER),
    }


def practices_of(document: Document) -> list:
    """The document's practices in reading order (Good Practice 1, 2, …)."""
    return [
        p for s in document.sections.order_by("position") for p in s.practices.order_by("position")
    ]


def home(client, user) -> str:
    with clock(NOW):
        response = login(client, user).get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def panel(page: str, key: str) -> str:
    """The HTML of one panel (empty string if the page has none)."""
    start = page.find(f'id="work-{key}"')
    if start < 0:
        return ""
    return page[start : page.index("</section>", start)]


def adopt(document: Document, *, by) -> None:
    """Test set-up: the document is adopted (its review closed) after things were proposed."""
    document = Document.objects.get(pk=document.pk)
    document.status = Document.Status.ADOPTED
    stamp(document, by=by, reason="Adopted (test set-up).")
    document.save()


# --- The expert ------------------------------------------------------------------------------


def test_expert_sees_their_delegations_open_amendments_in_document_order(client, people):
    document = make_document(by=people["clerk"], sections=2, practices=2)
    p1, p2, p3, _ = practices_of(document)
    later = actions.propose_deletion(p3, by=people["ma2"], rationale="Repeats 1.")
    earlier = actions.propose_change(
        p1, by=people["ma"], heading="Better", body="Better.", rationale="Clearer."
    )
    withdrawn = actions.propose_change(
        p2, by=people["ma"], heading="Gone", body="Gone.", rationale="Oops."
    )
    actions.withdraw_amendment(withdrawn, by=people["ma"])
    theirs = actions.propose_change(
        p2, by=people["nl"], heading="Dutch", body="Dutch.", rationale="Ours."
    )

    mine = panel(home(client, people["ma"]), "our-amendments")
    assert "Open amendments of Morocco" in mine
    assert f"Amendment #{earlier.pk}: change to Good Practice 1" in mine
    assert f"Amendment #{later.pk}: deletion of Good Practice 3" in mine
    assert mine.index(f"#{earlier.pk}:") < mine.index(f"#{later.pk}:")  # document order
    assert reverse("drafting:amendment-detail", args=[earlier.pk]) in mine
    assert "Awaiting the secretariat" in mine
    assert f"#{withdrawn.pk}" not in mine and f"#{theirs.pk}" not in mine
    assert '<span class="work-count" aria-label="2 items">2</span>' in mine

    dutch = panel(home(client, people["nl"]), "our-amendments")
    assert f"#{theirs.pk}" in dutch and f"#{earlier.pk}" not in dutch


def test_an_amendment_whose_practice_changed_since_says_so(client, people):
    document = make_document(by=people["clerk"], sections=1, practices=1)
    (practice,) = practices_of(document)
    amendment = actions.propose_change(
        practice, by=people["ma"], heading="Better", body="Better.", rationale="Clearer."
    )
    assert "has changed since" not in panel(home(client, people["ma"]), "our-amendments")
    actions.update_practice(
        practice, by=people["clerk"], heading="Edited meanwhile", body="New.", base_revision=1
    )
    mine = panel(home(client, people["ma"]), "our-amendments")
    assert f"#{amendment.pk}" in mine and "the text has changed since it was proposed" in mine


def test_decisions_stay_until_read_in_notifications(client, people):
    document = make_document(by=people["clerk"], sections=1, practices=2)
    p1, p2 = practices_of(document)
    rejected = actions.propose_change(
        p2, by=people["ma"], heading="No", body="No.", rationale="Try."
    )
    accepted = actions.propose_change(
        p1, by=people["ma"], heading="Yes", body="Yes.", rationale="Try."
    )
    dutch = actions.propose_change(p1, by=people["nl"], heading="NL", body="NL.", rationale="Hm.")
    actions.reject_amendment(rejected, by=people["clerk"], note="Out of <b>scope</b>.")
    actions.accept_amendment(accepted, by=people["clerk"], note="Agreed.")
    actions.reject_amendment(dutch, by=people["clerk"], note="Dutch note.")

    # The colleague who did not propose them hears of them too: they are the delegation's.
    page = home(client, people["ma2"])
    decisions = panel(page, "decisions")
    assert "Decisions on proposals of Morocco since you last looked" in decisions
    assert f"Amendment #{rejected.pk} rejected" in decisions
    assert f"Amendment #{accepted.pk} accepted" in decisions
    assert "Out of &lt;b&gt;scope&lt;/b&gt;." in decisions  # the note, as plain text
    assert "Dutch note." not in decisions and f"#{dutch.pk}" not in decisions
    assert "<b>scope</b>" not in page

    # Reading them in the notifications list is "having looked": they leave the list.
    login(client, people["ma2"]).get(reverse("drafting:notification-list"))
    decisions = panel(home(client, people["ma2"]), "decisions")
    assert f"#{rejected.pk}" not in decisions and "Nothing here now." in decisions
    # ... for that person only.
    assert f"#{rejected.pk} rejected" in panel(home(client, people["ma"]), "decisions")


def test_practices_without_our_position_in_open_sections(client, people):
    document = make_document(by=people["clerk"], sections=2, practices=2)
    first, second = document.sections.order_by("position")
    p1, p2, _, _ = practices_of(document)
    actions.state_position(
        p1,
        by=people["ma"],
        delegation=people["ma"].profile.delegation,
        stance=Position.Stance.SUPPORT,
    )
    # Another delegation's position does not count as ours.
    actions.state_position(
        p2,
        by=people["nl"],
        delegation=people["nl"].profile.delegation,
        stance=Position.Stance.OBJECTION,
        text="No.",
    )
    actions.request_review(second, by=people["clerk"])
    actions.approve_section(second, by=people["clerk"], not_agreed_reason=NOT_AGREED)

    positions = panel(home(client, people["ma"]), "positions")
    assert "Practices where Morocco has stated no position" in positions
    assert f"{first.title}: Good Practice 2" in positions
    assert f"{first.get_absolute_url()}#practice-{p2.pk}" in positions  # where it is stated
    assert second.title not in positions  # approved: closed
    assert '<span class="work-count" aria-label="1 item">1</span>' in positions

    dutch = panel(home(client, people["nl"]), "positions")
    assert f"{first.title}: Good Practice 1<" in dutch  # 1 only: 2 has the Dutch objection


def test_threads_waiting_for_my_reply(client, people):
    document = make_document(by=people["clerk"], sections=1, practices=2)
    section = document.sections.get()
    p1, p2 = practices_of(document)
    answered = actions.add_comment(section, by=people["ma"], body="Why?", practice=p2)
    actions.reply_to_comment(answered, by=people["clerk"], body="Because.")
    mine_last = actions.add_comment(section, by=people["ma"], body="Still mine.", practice=p1)
    resolved = actions.add_comment(section, by=people["ma"], body="Done?")
    actions.reply_to_comment(resolved, by=people["nl"], body="Yes.")
    actions.resolve_comment(resolved, by=people["clerk"])
    not_mine = actions.add_comment(section, by=people["nl"], body="Dutch thread.")
    actions.reply_to_comment(not_mine, by=people["clerk"], body="Noted.")

    replies = panel(home(client, people["ma"]), "replies")
    assert f"#comment-{answered.pk}" in replies and "On Good Practice 2" in replies
    assert f"#comment-{mine_last.pk}" not in replies
    assert f"#comment-{resolved.pk}" not in replies
    assert f"#comment-{not_mine.pk}" not in replies

    actions.reply_to_comment(answered, by=people["ma"], body="Thanks.")
    assert f"#comment-{answered.pk}" not in panel(home(client, people["ma"]), "replies")


def test_expert_panels_say_what_would_appear_when_empty(client, people):
    make_document(by=people["clerk"], sections=1, practices=1)
    page = home(client, people["ma"])
    assert "<h1>My work</h1>" in page
    for key in ("our-amendments", "decisions", "replies"):
        assert "Nothing here now." in panel(page, key)
    assert "until the secretariat decides it" in panel(page, "our-amendments")
    assert "amendment" not in panel(page, "to-decide")  # no secretariat panel for experts
    assert 'id="work-to-decide"' not in page


def test_an_expert_without_a_delegation_gets_the_panels_that_need_none(client, people):
    document = make_document(by=people["clerk"], sections=1, practices=1)
    loner = make_user(Role.EXPERT)
    profile = loner.profile
    profile.delegation = None
    stamp(profile, by=people["clerk"], reason="No delegation (test set-up).")
    profile.save()
    comment = actions.add_comment(document.sections.get(), by=loner, body="Why?")
    actions.reply_to_comment(comment, by=people["clerk"], body="Because.")
    page = home(client, User.objects.get(pk=loner.pk))
    assert f"#comment-{comment.pk}" in panel(page, "replies")
    for key in ("our-amendments", "decisions", "positions"):
        assert f'id="work-{key}"' not in page


# --- The secretariat -------------------------------------------------------------------------


def test_secretariat_task_list(client, people):
    document = make_document(by=people["clerk"], sections=2, practices=2)
    first, second = document.sections.order_by("position")
    p1, _, p3, _ = practices_of(document)
    late = actions.propose_deletion(p3, by=people["nl"], rationale="Repeats.")
    early = actions.propose_change(p1, by=people["ma"], heading="B", body="B.", rationale="R.")
    new = actions.propose_practice(
        first, by=people["ma"], heading="New one", body="New.", rationale="Gap.", after=p1
    )
    comment = actions.add_comment(second, by=people["nl"], body="A point.", practice=p3)
    actions.reply_to_comment(comment, by=people["ma"], body="Agreed.")
    done = actions.add_comment(first, by=people["ma"], body="Settled.")
    actions.resolve_comment(done, by=people["clerk"])
    actions.request_review(second, by=people["ma"])
    with clock(NOW):
        upcoming = ReviewMeeting(
            document=document,
            kind=ReviewMeeting.Kind.REVIEW,
            title="Review meeting in Rabat",
            city="Rabat",
            starts_on=date(2026, 3, 12),
            ends_on=date(2026, 3, 13),
        )
        stamp(upcoming, by=people["clerk"], reason="Planned.")
        upcoming.save()
        past = ReviewMeeting(
            document=document,
            kind=ReviewMeeting.Kind.WORKSHOP,
            title="Workshop long ago",
            starts_on=date(2026, 1, 10),
            ends_on=date(2026, 1, 10),
        )
        stamp(past, by=people["clerk"], reason="Planned.")
        past.save()

    page = home(client, people["clerk"])
    decide = panel(page, "to-decide")
    assert "Amendments to decide" in decide
    order = [decide.index(f"Amendment #{a.pk}:") for a in (early, new, late)]
    assert order == sorted(order)  # Good Practice 1, the new one after it, Good Practice 3
    assert "new practice after Good Practice 1" in decide
    assert "Netherlands" in decide and "Morocco" in decide
    assert f"Open amendments — {document} (3)" in decide
    assert reverse("drafting:amendment-list", args=[document.slug]) + "?status=open" in decide

    comments = panel(page, "comments")
    assert f"#comment-{comment.pk}" in comments and "1 reply" in comments
    assert f"#comment-{done.pk}" not in comments
    assert reverse("drafting:comment-list", args=[document.slug]) in comments

    approve = panel(page, "to-approve")
    assert second.get_absolute_url() in approve and first.title not in approve
    assert "1 open amendment, 1 unresolved comment" in approve

    deadlines = panel(page, "deadlines")
    assert "Review meeting in Rabat" in deadlines and "12 March 2026 (in 10 days)" in deadlines
    assert "Workshop long ago" not in deadlines
    # The expert's panels are not the secretariat's.
    assert 'id="work-our-amendments"' not in page


def test_closed_documents_bring_no_work(client, people):
    """An adopted document's review is closed: none of its items is listed to anyone."""
    adopted = make_document(by=people["clerk"], sections=1, practices=1, title="Adopted one")
    (practice,) = practices_of(adopted)
    section = adopted.sections.get()
    amendment = actions.propose_change(
        practice, by=people["ma"], heading="B", body="B.", rationale="R."
    )
    comment = actions.add_comment(section, by=people["ma"], body="Hm.")
    actions.reply_to_comment(comment, by=people["nl"], body="Yes?")
    actions.request_review(section, by=people["clerk"])
    adopt(adopted, by=people["clerk"])

    for user in (people["ma"], people["clerk"]):
        page = home(client, user)
        work = page[page.index("<h1>My work</h1>") : page.index("Documents</h2>")]
        assert f"#{amendment.pk}" not in work
        assert f"comment-{comment.pk}" not in work
        assert section.title not in work


def test_observers_and_people_without_a_role_get_the_documents_only(client, people):
    make_document(by=people["clerk"], sections=1, practices=1, title="The draft")
    page = home(client, people["observer"])
    assert "My work" not in page and "<h1>Documents</h1>" in page and "The draft" in page
    nobody = make_user(None)
    page = home(client, nobody)
    assert "My work" not in page and "The draft" not in page


def test_empty_working_groups_do_not_push_the_document_down(client, people):
    for n, name in enumerate(["Capacity Building", "Criminal Justice", "Foreign Fighters"]):
        group = WorkingGroup(name=name, slug=f"group-{n}")
        stamp(group, by=people["clerk"])
        group.save()
    make_document(
        by=people["clerk"],
        title="The real document",
        working_group=WorkingGroup.objects.get(name="Foreign Fighters"),
    )
    page = home(client, people["clerk"])
    assert page.index("My work") < page.index("The real document")
    assert "<h2>Capacity Building</h2>" not in page
    assert "Working groups with no documents yet: Capacity Building, Criminal Justice." in page
    assert page.index("The real document") < page.index("Working groups with no documents")


# --- Queries ---------------------------------------------------------------------------------


def _forum(people, *, documents: int, practices: int) -> None:
    """``documents`` documents, each with amendments, comments, positions and a section
    in review, as many as its ``practices``."""
    for _ in range(documents):
        document = make_document(by=people["clerk"], sections=2, practices=practices)
        second = document.sections.order_by("position")[1]
        # By position, not by id: ids differ between databases and runs.
        for i, practice in enumerate(practices_of(document)):
            proposer = people["ma"] if i % 2 == 0 else people["nl"]
            amendment = actions.propose_change(
                practice, by=proposer, heading="B", body="B.", rationale="R."
            )
            comment = actions.add_comment(
                practice.section, by=people["ma"], body="Hm.", practice=practice
            )
            actions.reply_to_comment(comment, by=people["nl"], body="Yes.")
            if i % 3 == 0:
                actions.reject_amendment(amendment, by=people["clerk"], note="No.")
                actions.state_position(
                    practice,
                    by=people["ma"],
                    delegation=people["ma"].profile.delegation,
                    stance=Position.Stance.SUPPORT,
                )
        actions.request_review(second, by=people["clerk"])
        meeting = ReviewMeeting(
            document=document,
            kind=ReviewMeeting.Kind.REVIEW,
            title="Review",
            starts_on=date(2026, 4, 1),
            ends_on=date(2026, 4, 2),
        )
        stamp(meeting, by=people["clerk"], reason="Planned.")
        meeting.save()
        meeting.participants.add(people["ma"].profile.delegation)


def _count_queries(client, user, django_assert_max_num_queries, limit: int) -> int:
    login(client, user)
    with django_assert_max_num_queries(limit) as captured, clock(NOW):
        response = client.get(HOME)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["ma", "clerk"])
def test_query_count_does_not_grow_with_the_forum(
    client, people, who, django_assert_max_num_queries
):
    _forum(people, documents=1, practices=2)
    small = _count_queries(client, people[who], django_assert_max_num_queries, 25)
    _forum(people, documents=3, practices=6)
    assert Notification.objects.filter(recipient=people["ma"]).exists()
    large = _count_queries(client, people[who], django_assert_max_num_queries, small)
    assert large == small
    page = client.get(HOME).content.decode()
    assert "… and" in page  # the larger forum has more items than a panel lists
    if who == "ma":  # the rest of ours: the document's list, filtered to Morocco
        assert "?status=open&amp;delegation=MA" in page
