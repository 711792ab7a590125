"""Amendments: proposed by experts for their delegation, decided by the secretariat."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafting import actions, reads
from drafting.history import stamp
from drafting.models import Amendment, Practice, ReviewMeeting
from tests.conftest import NOT_AGREED, login, make_document, make_user

A = Amendment.Status


def last_row(practice_id: int):
    return Practice.history.filter(id=practice_id).order_by("-history_date", "-history_id").first()


@pytest.fixture
def practice(document):
    return document.sections.first().practices.first()


# --- Proposing --------------------------------------------------------------------------------


def test_expert_proposes_a_change_through_the_page(client, expert, practice):
    login(client, expert)
    url = reverse("drafting:amendment-propose-change", args=[practice.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert "Practice 1.1" in form.content.decode()  # the form starts from the current text
    response = client.post(
        url,
        {
            "heading": "Practice 1.1, improved",
            "body": "Body of 1.1, with families.",
            "rationale": "Families matter.",
            "base_revision": practice.revision,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#practice-{practice.pk}")
    amendment = Amendment.objects.get()
    assert amendment.kind == Amendment.Kind.CHANGE
    assert (amendment.practice, amendment.section) == (practice, practice.section)
    assert (amendment.proposed_by, amendment.delegation) == (expert, expert.profile.delegation)
    assert amendment.base_revision == practice.revision
    assert amendment.status == A.OPEN
    row = amendment.history.get()
    assert (row.history_user, row.history_change_reason) == (
        expert,
        "Proposed: a change to a practice.",
    )
    practice.refresh_from_db()
    assert practice.heading == "Practice 1.1"  # the text itself does not change


def test_proposal_records_the_revision_the_expert_started_from(expert, secretariat, practice):
    actions.update_practice(
        practice, by=secretariat, heading="Edited", body="B", base_revision=practice.revision
    )
    amendment = actions.propose_change(
        practice, by=expert, heading="Mine", body="B", rationale="R", base_revision=1
    )
    assert amendment.base_revision == 1
    with pytest.raises(ValidationError, match="never had"):
        actions.propose_change(
            practice, by=expert, heading="Mine", body="B", rationale="R", base_revision=9
        )


def test_proposal_must_change_something_and_say_why(expert, practice):
    with pytest.raises(ValidationError, match="same as the current text"):
        actions.propose_change(
            practice, by=expert, heading=practice.heading, body=practice.body, rationale="R"
        )
    with pytest.raises(ValidationError, match="rationale"):
        actions.propose_change(practice, by=expert, heading="New", body="", rationale=" ")


def test_observer_cannot_propose(client, observer, practice):
    with pytest.raises(PermissionDenied, match="Observers"):
        actions.propose_deletion(practice, by=observer, rationale="No.")
    login(client, observer)
    url = reverse("drafting:amendment-propose-deletion", args=[practice.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"rationale": "x", "base_revision": 1}).status_code == 403
    assert not Amendment.objects.exists()


def test_amendments_are_the_way_to_change_a_section_in_review(expert, secretariat, practice):
    actions.request_review(practice.section, by=expert)
    amendment = actions.propose_change(
        practice, by=expert, heading="In review", body="", rationale="R"
    )
    assert amendment.status == A.OPEN
    actions.accept_amendment(amendment, by=secretariat)
    actions.approve_section(practice.section, by=secretariat, not_agreed_reason=NOT_AGREED)
    with pytest.raises(PermissionDenied, match="reopen"):
        actions.propose_change(practice, by=expert, heading="Too late", body="", rationale="R")


def test_proposal_needs_a_delegation(secretariat, practice):
    profile = secretariat.profile
    profile.delegation = None
    stamp(profile, by=secretariat, reason="Test: no delegation.")
    profile.save()
    with pytest.raises(PermissionDenied, match="on behalf of a delegation"):
        actions.propose_deletion(practice, by=secretariat, rationale="x")


def test_propose_new_practice_at_a_position(client, expert, document):
    section = document.sections.first()
    first, second, _ = section.practices.order_by("position")
    login(client, expert)
    url = reverse("drafting:amendment-propose-practice", args=[section.pk])
    page = client.get(f"{url}?after={first.pk}").content.decode()
    assert "After Good Practice 1" in page and "At the start of the section" in page
    response = client.post(
        url, {"after": first.pk, "heading": "A new idea", "body": "", "rationale": "Gap."}
    )
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.kind, amendment.practice, amendment.section) == ("new", first, section)
    other = make_document(by=expert, sections=1, practices=1).sections.get().practices.get()
    response = client.post(url, {"after": other.pk, "heading": "X", "rationale": "Y"})
    assert response.status_code == 422
    assert Amendment.objects.count() == 1


# --- Withdrawing ------------------------------------------------------------------------------


def test_only_the_proposer_withdraws(client, expert, other_expert, secretariat, practice):
    amendment = actions.propose_deletion(practice, by=expert, rationale="Dup.")
    url = reverse("drafting:amendment-withdraw", args=[amendment.pk])
    for user in (other_expert, secretariat):
        login(client, user)
        assert client.post(url).status_code == 403
    login(client, expert)
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "Agreed bilaterally."})
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.status == A.WITHDRAWN
    row = amendment.history.order_by("-history_id").first()
    assert row.history_change_reason == "Withdrawn by the proposer. Agreed bilaterally."
    assert row.history_user == expert
    # Withdrawing twice is refused in words, not a 500.
    response = client.post(url, follow=True)
    assert "has already been withdrawn" in response.content.decode()


# --- Accepting --------------------------------------------------------------------------------


def test_accepting_applies_the_change_as_the_proposers(client, expert, secretariat, practice):
    amendment = actions.propose_change(
        practice, by=expert, heading="Better heading", body="Better body.", rationale="Clearer."
    )
    login(client, secretariat)
    url = reverse("drafting:amendment-accept", args=[amendment.pk])
    page = client.get(url).content.decode()
    assert "<del>" in page and "<ins>" in page
    response = client.post(
        url,
        {
            "note": "Agreed.",
            "heading": "Better heading",
            "body": "Better body.",
            "seen_revision": practice.revision,
        },
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert (practice.heading, practice.body) == ("Better heading", "Better body.")
    row = last_row(practice.pk)
    assert row.history_user == expert
    assert row.history_change_reason == (
        f"Amendment #{amendment.pk} by {expert.profile.delegation.name}, "
        f"accepted by {secretariat.get_full_name()}."
    )
    amendment.refresh_from_db()
    assert amendment.status == A.ACCEPTED
    assert (amendment.decided_by, amendment.decision_note) == (secretariat, "Agreed.")
    assert amendment.decided_at is not None


def test_expert_cannot_accept_or_reject(client, expert, other_expert, practice):
    amendment = actions.propose_deletion(practice, by=expert, rationale="Dup.")
    login(client, other_expert)
    for name in ("amendment-accept", "amendment-reject"):
        url = reverse(f"drafting:{name}", args=[amendment.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"note": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.accept_amendment(amendment, by=expert)
    amendment.refresh_from_db()
    assert amendment.status == A.OPEN
    assert Practice.objects.filter(pk=practice.pk).exists()


def test_accepting_a_stale_amendment_shows_three_texts_and_overwrites_nothing(
    client, expert, other_expert, secretariat, practice
):
    amendment = actions.propose_change(
        practice,
        by=expert,
        heading=practice.heading,
        body="Body of 1.1, with families.",
        rationale="Families.",
    )
    actions.update_practice(
        practice,
        by=other_expert,
        heading=practice.heading,
        body="Body of 1.1, with local authorities.",
        base_revision=practice.revision,
    )
    practice.refresh_from_db()
    # Accepting without having seen the current text is refused, whatever the request says.
    with pytest.raises(actions.AmendmentConflict):
        actions.accept_amendment(amendment, by=secretariat)

    login(client, secretariat)
    url = reverse("drafting:amendment-accept", args=[amendment.pk])
    page = client.get(url).content.decode()
    assert "The practice changed after this amendment was proposed" in page
    assert "Base — revision 1" in page and "Current — revision 2" in page
    assert "local authorities</ins>" in page  # what changed since the base
    assert "families</ins>" in page  # what the proposer changed
    # A POST based on the old revision (e.g. from a form opened before the edit) is refused.
    stale = client.post(
        url,
        {"heading": practice.heading, "body": "Body of 1.1, with families.", "seen_revision": 1},
    )
    assert stale.status_code == 409
    practice.refresh_from_db()
    assert practice.body == "Body of 1.1, with local authorities."
    merged = "Body of 1.1, with families and local authorities."
    response = client.post(
        url,
        {"heading": practice.heading, "body": merged, "seen_revision": practice.revision},
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.body == merged
    row = last_row(practice.pk)
    assert row.history_user == expert
    assert row.history_change_reason.endswith("Text adjusted by the secretariat.")


def test_accepting_a_new_practice_inserts_it_where_proposed(expert, secretariat, document):
    section = document.sections.first()
    first = section.practices.order_by("position").first()
    amendment = actions.propose_practice(
        section, by=expert, heading="Inserted", body="New text.", rationale="Gap.", after=first
    )
    actions.accept_amendment(amendment, by=secretariat, note="Welcome.")
    headings = list(section.practices.order_by("position").values_list("heading", flat=True))
    assert headings == ["Practice 1.1", "Inserted", "Practice 1.2", "Practice 1.3"]
    created = section.practices.get(heading="Inserted")
    assert created.history.get().history_user == expert


def test_accepting_a_new_practice_at_the_start(expert, secretariat, document):
    section = document.sections.first()
    amendment = actions.propose_practice(
        section, by=expert, heading="Opening", body="", rationale="Start.", after=None
    )
    actions.accept_amendment(amendment, by=secretariat)
    assert section.practices.order_by("position").first().heading == "Opening"


def test_accepting_a_deletion_deletes_in_the_proposers_name(expert, secretariat, practice):
    amendment = actions.propose_deletion(practice, by=expert, rationale="Duplicate of GP 3.")
    actions.accept_amendment(amendment, by=secretariat)
    assert not Practice.objects.filter(pk=practice.pk).exists()
    row = last_row(practice.pk)
    assert (row.history_type, row.history_user) == ("-", expert)
    amendment.refresh_from_db()
    assert amendment.status == A.ACCEPTED


def test_amendment_to_a_deleted_practice_can_only_be_rejected(expert, secretariat, practice):
    amendment = actions.propose_change(practice, by=expert, heading="X", body="", rationale="R")
    actions.delete_practice(practice, by=secretariat)
    amendment.refresh_from_db()
    with pytest.raises(ValidationError, match="has been deleted"):
        actions.accept_amendment(amendment, by=secretariat)
    actions.reject_amendment(amendment, by=secretariat, note="The practice is gone.")


def test_accepting_twice_is_refused(expert, secretariat, practice):
    amendment = actions.propose_change(practice, by=expert, heading="X", body="", rationale="R")
    actions.accept_amendment(amendment, by=secretariat)
    with pytest.raises(ValidationError, match="already been accepted"):
        actions.accept_amendment(amendment, by=secretariat)
    assert Practice.history.filter(id=practice.pk).count() == 2


def test_decision_can_name_the_meeting(expert, secretariat, practice):
    meeting = ReviewMeeting(
        document=practice.section.document,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Rabat review meeting",
        starts_on=date(2018, 6, 25),
        ends_on=date(2018, 6, 26),
    )
    stamp(meeting, by=secretariat)
    meeting.save()
    amendment = actions.propose_change(practice, by=expert, heading="X", body="", rationale="R")
    actions.accept_amendment(amendment, by=secretariat, meeting=meeting)
    amendment.refresh_from_db()
    assert amendment.decided_at_meeting == meeting
    assert last_row(practice.pk).history_meeting_id == meeting.pk


# --- Rejecting --------------------------------------------------------------------------------


def test_rejection_needs_a_note(client, expert, secretariat, practice):
    amendment = actions.propose_deletion(practice, by=expert, rationale="Dup.")
    login(client, secretariat)
    url = reverse("drafting:amendment-reject", args=[amendment.pk])
    response = client.post(url, {"note": ""})
    assert response.status_code == 422
    assert "Say why the amendment is rejected" in response.content.decode()
    response = client.post(url, {"note": "The practice is still needed."})
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert (amendment.status, amendment.decided_by) == (A.REJECTED, secretariat)
    assert amendment.history.order_by("-history_id").first().history_change_reason == (
        "Rejected. The practice is still needed."
    )
    assert Practice.objects.filter(pk=practice.pk).exists()


# --- Showing ----------------------------------------------------------------------------------


def test_section_page_shows_open_amendments_with_redlines(client, expert, observer, practice):
    actions.propose_change(
        practice, by=expert, heading="Practice 1.1", body="Body of 1.1 amended.", rationale="R"
    )
    login(client, observer)
    page = client.get(practice.section.get_absolute_url()).content.decode()
    assert "1 open amendment" in page
    assert "amended</ins>" in page
    assert expert.profile.delegation.name in page
    assert "Propose a change" not in page  # observers only read
    assert "Accept…" not in page


def test_where_both_routes_are_offered_one_sentence_says_which_to_use(
    client, expert, observer, secretariat, practice
):
    sentence = "proposals are for changes you want the secretariat to decide"
    section = practice.section
    login(client, expert)
    assert sentence in client.get(section.get_absolute_url()).content.decode()
    login(client, observer)  # reads only: no route, no sentence
    assert sentence not in client.get(section.get_absolute_url()).content.decode()
    actions.request_review(section, by=secretariat)  # in review: proposals only
    login(client, expert)
    page = client.get(section.get_absolute_url()).content.decode()
    assert "Propose a change" in page and sentence not in page


def test_document_page_counts_open_amendments_per_section(client, expert, document):
    first, second = document.sections.order_by("position")
    for p in first.practices.all()[:2]:
        actions.propose_deletion(p, by=expert, rationale="R")
    login(client, expert)
    page = client.get(document.get_absolute_url()).content.decode()
    assert "2 open amendments" in page  # the header total and the first section
    assert page.count("open amendment") >= 2


def test_amendment_follows_its_practice_to_another_section(expert, secretariat, document):
    first, second = document.sections.order_by("position")
    practice = first.practices.first()
    amendment = actions.propose_change(practice, by=expert, heading="X", body="", rationale="R")
    actions.move_practice(practice, by=secretariat, section=second)
    assert list(reads.review_items_for_section(second, expert)) == [practice.pk]
    assert reads.review_items_for_section(first, expert) == {}
    assert reads.open_amendment_counts(document) == {second.pk: 1}
    assert reads.concerned_section(Amendment.objects.get(pk=amendment.pk)) == second


def test_amendment_pages(client, expert, secretariat, practice):
    amendment = actions.propose_change(practice, by=expert, heading="X", body="", rationale="R")
    login(client, expert)
    detail = client.get(reverse("drafting:amendment-detail", args=[amendment.pk]))
    assert detail.status_code == 200 and f"Amendment #{amendment.pk}" in detail.content.decode()
    listing = client.get(reverse("drafting:amendment-list", args=[practice.section.document.slug]))
    assert f"Amendment #{amendment.pk}" in listing.content.decode()
    assert client.get(reverse("drafting:amendment-detail", args=[99999])).status_code == 404
    nobody = make_user(None)
    login(client, nobody)
    assert client.get(reverse("drafting:amendment-detail", args=[amendment.pk])).status_code == 403


@pytest.mark.parametrize("size", [(2, 3), (3, 12)])
def test_review_items_take_a_fixed_number_of_queries(
    expert, other_expert, secretariat, size, django_assert_num_queries
):
    sections, practices = size
    document = make_document(by=secretariat, sections=sections, practices=practices)
    section = document.sections.first()
    for p in section.practices.all():
        actions.propose_change(p, by=expert, heading="New " + p.heading, body="", rationale="R")
        thread = actions.add_comment(section, by=expert, body="Why?", practice=p)
        actions.reply_to_comment(thread, by=other_expert, body="Because.")
    with django_assert_num_queries(2):
        items = reads.review_items_for_section(section, expert)
        assert sum(len(i.amendments) for i in items.values()) == practices


def _section_page_queries(client, *, by, expert, sections: int, practices: int) -> int:
    document = make_document(by=by, sections=sections, practices=practices)
    section = document.sections.first()
    for p in section.practices.all():
        actions.propose_change(p, by=expert, heading="New " + p.heading, body="", rationale="R")
        thread = actions.add_comment(section, by=expert, body="Why?", practice=p)
        actions.reply_to_comment(thread, by=by, body="Because.")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(section.get_absolute_url())
    assert response.content.decode().count("Accept…") == practices
    return len(captured)


def test_section_page_query_count_does_not_grow_with_review(client, expert, secretariat):
    login(client, secretariat)
    small = _section_page_queries(client, by=secretariat, expert=expert, sections=2, practices=3)
    large = _section_page_queries(client, by=secretariat, expert=expert, sections=5, practices=15)
    assert small == large


# --- Concurrency --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_secretaries_accepting_at_once_apply_it_once(expert, secretariat):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks across connections are exercised on PostgreSQL (CI's second pass).")
    other_clerk = make_user("secretariat")
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    amendment = actions.propose_change(practice, by=expert, heading="Once", body="", rationale="R")
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def accept(user) -> None:
        try:
            barrier.wait()
            actions.accept_amendment(Amendment.objects.get(pk=amendment.pk), by=user)
            outcomes.append("accepted")
        except ValidationError as refused:
            assert "already been accepted" in refused.messages[0]
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=accept, args=(user,))
        for user in (secretariat, other_clerk, secretariat, other_clerk)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["accepted"] + ["refused"] * 3
    practice.refresh_from_db()
    assert (practice.heading, practice.revision) == ("Once", 2)
    assert practice.history.filter(history_type="~").count() == 1


def _listed_ids(response) -> list[int]:
    return [item.amendment.pk for item in response.context["items"]]


def test_amendment_list_is_in_document_order_and_filters_by_delegation(
    client, expert, other_expert, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=2)
    first, second = document.sections.order_by("position")
    p11, p12 = first.practices.order_by("position")
    (p21, _p22) = second.practices.order_by("position")
    # Proposed newest-last in the reverse of document order.
    late = actions.propose_change(p21, by=expert, heading="X", body="", rationale="R")
    new_after_p11 = actions.propose_practice(
        first, by=other_expert, heading="New", body="", rationale="R", after=p11
    )
    on_p12 = actions.propose_deletion(p12, by=expert, rationale="R")
    on_p11 = actions.propose_change(p11, by=other_expert, heading="Y", body="", rationale="R")
    at_start = actions.propose_practice(second, by=expert, heading="First", body="", rationale="R")
    login(client, secretariat)
    url = reverse("drafting:amendment-list", args=[document.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert _listed_ids(page) == [on_p11.pk, new_after_p11.pk, on_p12.pk, at_start.pk, late.pk]
    code = expert.profile.delegation.code
    mine = client.get(url, {"delegation": code})
    assert _listed_ids(mine) == [on_p12.pk, at_start.pk, late.pk]
    assert f'<option value="{code}" selected>' in mine.content.decode()
    # A forged code filters nothing out rather than failing.
    forged = client.get(url, {"delegation": "<script>", "status": "all"})
    assert forged.status_code == 200 and len(_listed_ids(forged)) == 5
    # The status filter keeps the delegation chosen.
    actions.withdraw_amendment(late, by=expert, reason="Overtaken.")
    assert _listed_ids(client.get(url, {"delegation": code})) == [on_p12.pk, at_start.pk]


@pytest.mark.parametrize("practices", [2, 8])
def test_amendment_list_takes_a_fixed_number_of_queries(
    client, expert, secretariat, practices, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=2, practices=practices)
    for practice in Practice.objects.filter(section__document=document):
        actions.propose_change(practice, by=expert, heading="Z", body="", rationale="R")
    login(client, secretariat)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("drafting:amendment-list", args=[document.slug]))
    assert len(_listed_ids(page)) == 2 * practices
