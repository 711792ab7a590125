"""Silence procedure (issue 15): a version under silence until a deadline.

The outcome is derived from the recorded breaks and the deadline (a break at or after
the deadline does not count); while the procedure is open the text is frozen by one rule
(permissions.why_frozen_by_silence); concluding is idempotent and moves the document to
final through the lifecycle's own "Mark final" rules.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from drafting import actions, outbox
from drafting.history import stamp
from drafting.models import (
    Document,
    ExpertProfile,
    Notification,
    SilenceBreak,
    SilenceProcedure,
)
from drafting.models.notifications import Kind
from drafting.reads.silence import AGREED, BROKEN, RUNNING, silence_outcome
from tests.conftest import NOT_AGREED, clock, login, make_delegation, make_document, make_user

Role = ExpertProfile.Role
D = Document.Status
DEADLINE = datetime(2031, 3, 14, 16, 0, tzinfo=UTC)
BEFORE = DEADLINE - timedelta(days=10)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def with_email(user):
    user.email = f"{user.username}@example.org"
    user.save()
    return user


@pytest.fixture
def people(db):
    morocco, usa = make_delegation(name="Morocco"), make_delegation(name="United States")
    return {
        "clerk": with_email(make_user(Role.SECRETARIAT)),
        "ma": with_email(make_user(Role.EXPERT, delegation=morocco)),
        "ma2": with_email(make_user(Role.EXPERT, delegation=morocco)),
        "us": with_email(make_user(Role.EXPERT, delegation=usa)),
        # An expert of a delegation that is not invited.
        "nl": with_email(make_user(Role.EXPERT)),
        "observer": make_user(Role.OBSERVER),
    }


def ready_to_be_final(clerk, *, sections: int = 2, practices: int = 2) -> Document:
    """A document in review with every section approved: nothing blocks "Mark final"."""
    document = make_document(by=clerk, sections=sections, practices=practices)
    actions.open_document_review(document, by=clerk)
    for section in document.sections.order_by("position"):
        section = actions.request_review(section, by=clerk)
        actions.approve_section(section, by=clerk, not_agreed_reason=NOT_AGREED)
    return Document.objects.get(pk=document.pk)


@pytest.fixture
def document(people) -> Document:
    return ready_to_be_final(people["clerk"])


@pytest.fixture
def procedure(people, document) -> SilenceProcedure:
    version = actions.name_version(document, by=people["clerk"], name="Final draft")
    return actions.open_silence(
        document,
        by=people["clerk"],
        version=version,
        deadline=DEADLINE,
        deadline_zone="Africa/Casablanca",
        invited=[people["ma"].profile.delegation, people["us"].profile.delegation],
        note="Silence until the deadline.",
        now=BEFORE,
    )


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- The outcome: derived from the breaks and the deadline ------------------------------------


def test_a_break_one_second_before_the_deadline_counts(people, procedure):
    actions.break_silence(procedure, by=people["ma"], reason="Para 3.", now=DEADLINE - SECOND)
    breaks = list(procedure.breaks.all())
    assert silence_outcome(procedure, breaks, DEADLINE - SECOND) == BROKEN
    assert silence_outcome(procedure, breaks, DEADLINE + timedelta(days=1)) == BROKEN


def test_a_break_at_or_after_the_deadline_is_refused_and_would_not_count(people, procedure):
    for moment in (DEADLINE, DEADLINE + SECOND):
        with pytest.raises(ValidationError, match="has passed"):
            actions.break_silence(procedure, by=people["ma"], reason="Late.", now=moment)
    assert not SilenceBreak.objects.exists()
    # A break stored at the deadline (a clock ahead, a row from elsewhere) is ignored.
    late = SilenceBreak(procedure=procedure, delegation=people["us"].profile.delegation)
    late.expert, late.reason, late.at = people["us"], "Too late.", DEADLINE
    assert silence_outcome(procedure, [late], DEADLINE) == AGREED
    assert silence_outcome(procedure, [], DEADLINE - SECOND) == RUNNING
    assert silence_outcome(procedure, [], DEADLINE) == AGREED


def test_the_page_shows_the_outcome_without_anyone_concluding(client, people, procedure):
    url = reverse("drafting:silence-detail", args=[procedure.pk])
    with clock(DEADLINE - SECOND):
        login(client, people["ma"])  # a session opened at that moment
        assert "Running" in client.get(url).content.decode()
    with clock(DEADLINE):
        page = client.get(url).content.decode()
    assert "Agreed under silence procedure" in page
    assert fresh(procedure).closed == ""  # nothing recorded: the page derived it


# --- Deadlines across time zones ----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "utc_hour"),
    [("Africa/Casablanca", 16), ("America/New_York", 21), ("UTC", 17)],
)
def test_a_deadline_entered_in_a_time_zone_is_stored_in_utc_and_shown(
    client, people, document, zone, utc_hour
):
    clerk = people["clerk"]
    version = actions.name_version(document, by=clerk, name="Final draft")
    login(client, clerk)
    # 17:00 on 14 March 2031: Casablanca is UTC+1 then, New York UTC-4 (summer time).
    response = client.post(
        reverse("drafting:silence-create", args=[document.slug]),
        {
            "version": version.pk,
            "deadline_date": "2031-03-14",
            "deadline_time": "17:00",
            "deadline_zone": zone,
            "invited": [people["ma"].profile.delegation.pk],
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    procedure = SilenceProcedure.objects.get()
    assert procedure.deadline == datetime(2031, 3, 14, utc_hour, 0, tzinfo=UTC)
    assert fresh(document).silence_until == procedure.deadline
    page = client.get(response["Location"]).content.decode()
    assert "Friday 14 March 2031, 17:00</time> " + zone in page
    assert f"Friday 14 March 2031, {utc_hour}:00</time> UTC" in page


def test_a_wall_clock_time_skipped_by_summer_time_is_refused_next_to_the_field(
    client, people, document
):
    version = actions.name_version(document, by=people["clerk"], name="Final draft")
    login(client, people["clerk"])
    response = client.post(
        reverse("drafting:silence-create", args=[document.slug]),
        {
            "version": version.pk,
            "deadline_date": "2031-03-09",  # New York's clocks go from 2:00 to 3:00
            "deadline_time": "02:30",
            "deadline_zone": "America/New_York",
            "invited": [people["ma"].profile.delegation.pk],
        },
    )
    assert response.status_code == 422
    assert "does not exist" in response.content.decode()
    assert not SilenceProcedure.objects.exists()


def test_bad_input_is_a_clear_message_and_changes_nothing(client, people, document):
    other = make_document(by=people["clerk"], sections=1, practices=1)
    foreign = actions.name_version(other, by=people["clerk"], name="Other")
    mine = actions.name_version(document, by=people["clerk"], name="Final draft")
    login(client, people["clerk"])
    url = reverse("drafting:silence-create", args=[document.slug])
    base = {
        "version": mine.pk,
        "deadline_date": "2031-03-14",
        "deadline_time": "17:00",
        "deadline_zone": "UTC",
        "invited": [people["ma"].profile.delegation.pk],
    }
    for change, words in [
        ({"version": foreign.pk}, "Choose a named version of this document."),
        ({"version": ""}, "Name a version of the current text first"),
        ({"deadline_date": "2001-01-01"}, "The deadline must be in the future."),
        ({"deadline_zone": "Mars/Olympus"}, "Choose a time zone from the list."),
        ({"invited": []}, "Invite at least one delegation."),
        ({"deadline_time": "25:00"}, "Enter a time."),
    ]:
        response = client.post(url, {**base, **change})
        assert response.status_code == 422, change
        assert words in response.content.decode(), change
    assert not SilenceProcedure.objects.exists()
    assert fresh(document).silence_until is None


def test_a_text_not_ready_to_be_final_cannot_be_put_under_silence(people):
    clerk = people["clerk"]
    document = make_document(by=clerk, sections=1, practices=1)
    version = actions.name_version(document, by=clerk, name="Zero draft")
    with pytest.raises(ValidationError, match="only a document in review"):
        actions.open_silence(
            document, by=clerk, version=version, deadline=DEADLINE, invited=[], now=BEFORE
        )


def test_a_version_older_than_the_text_is_refused(people):
    clerk = people["clerk"]
    document = make_document(by=clerk, sections=1, practices=1)
    version = actions.name_version(document, by=clerk, name="Old")
    practice = document.sections.get().practices.get()
    actions.update_practice(practice, by=clerk, heading="New", body="New.", base_revision=1)
    actions.open_document_review(document, by=clerk)
    section = actions.request_review(document.sections.get(), by=clerk)
    actions.approve_section(section, by=clerk, not_agreed_reason=NOT_AGREED)
    with pytest.raises(ValidationError, match="changed since version"):
        actions.open_silence(
            document,
            by=clerk,
            version=version,
            deadline=DEADLINE,
            invited=[people["ma"].profile.delegation],
            now=BEFORE,
        )


# --- The freeze ---------------------------------------------------------------------------


def test_the_frozen_text_refuses_edits_with_the_reason(client, people, document, procedure):
    practice = document.sections.order_by("position").first().practices.first()
    login(client, people["clerk"])
    response = client.post(
        reverse("drafting:practice-edit", args=[practice.pk]),
        {"heading": "Changed", "body": "Changed.", "base_revision": practice.revision},
    )
    assert response.status_code == 403
    assert "under silence procedure until 14 March 2031, 16:00 UTC" in response.content.decode()
    assert fresh(practice).heading == practice.heading
    section = practice.section
    for url, data in [
        (reverse("drafting:section-reopen", args=[section.pk]), {"reason": "x"}),
        (reverse("drafting:section-add", args=[document.slug]), {"title": "New"}),
    ]:
        response = client.post(url, {**data, "seen_revision": section.revision})
        assert response.status_code in {403, 422}, url
        assert "under silence procedure" in response.content.decode(), url
    with pytest.raises(PermissionDenied, match="under silence procedure"):
        actions.propose_change(
            practice, by=people["ma"], heading="X", body="X.", rationale="Why not."
        )
    with pytest.raises(ValidationError, match="under silence procedure"):
        actions.finalise_document(document, by=people["clerk"])
    assert fresh(document).status == D.IN_REVIEW


def test_after_ending_a_broken_procedure_the_lifecycle_applies_again(
    client, people, document, procedure
):
    actions.break_silence(procedure, by=people["us"], reason="Para 2 is new.", now=BEFORE)
    login(client, people["clerk"])
    url = reverse("drafting:silence-end", args=[procedure.pk])
    assert client.post(url, {"note": ""}).status_code == 422  # what happens next is required
    assert fresh(document).silence_until is not None
    response = client.post(url, {"note": "Back to the working group."})
    assert response.status_code == 302
    ended = fresh(procedure)
    assert ended.closed == SilenceProcedure.Closed.ENDED and ended.closed_by == people["clerk"]
    document = fresh(document)
    assert document.silence_until is None and document.status == D.IN_REVIEW
    row = document.history.order_by("-history_id").first()
    assert row.history_user == people["clerk"]
    assert "ended after silence was broken: Back to the working group." in row.history_change_reason
    # Approved sections can be reopened again, as in review.
    section = document.sections.order_by("position").first()
    response = client.post(
        reverse("drafting:section-reopen", args=[section.pk]),
        {"reason": "Para 2.", "seen_revision": section.revision},
    )
    assert response.status_code == 302


def test_ending_is_refused_unless_silence_was_broken(people, procedure):
    with pytest.raises(ValidationError, match="has not been broken"):
        actions.end_silence(procedure, by=people["clerk"], note="x", now=BEFORE)


# --- Breaking silence -------------------------------------------------------------------------


def test_an_invited_expert_breaks_silence_with_a_reason(client, people, procedure):
    login(client, people["ma"])
    url = reverse("drafting:silence-break", args=[procedure.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422
    assert "Say why your delegation breaks silence." in response.content.decode()
    assert not SilenceBreak.objects.exists()
    response = client.post(url, {"reason": "We cannot accept para 3."})
    assert response.status_code == 302
    row = SilenceBreak.objects.get()
    assert row.delegation == people["ma"].profile.delegation and row.expert == people["ma"]
    history = row.history.get()
    assert history.history_user == people["ma"]
    page = client.get(reverse("drafting:silence-detail", args=[procedure.pk])).content.decode()
    assert "We cannot accept para 3." in page and "Morocco" in page and "Broken" in page


def test_breaking_twice_is_a_clear_message_and_nothing_changes(client, people, procedure):
    actions.break_silence(procedure, by=people["ma"], reason="First.", now=BEFORE)
    login(client, people["ma2"])  # the same delegation, another expert
    response = client.post(
        reverse("drafting:silence-break", args=[procedure.pk]), {"reason": "Again."}
    )
    assert response.status_code == 422
    assert "Morocco already broke silence" in response.content.decode()
    assert SilenceBreak.objects.count() == 1


def test_a_delegation_not_invited_cannot_break_silence(client, people, procedure):
    for who in ("nl", "observer", "clerk"):
        login(client, people[who])
        response = client.post(
            reverse("drafting:silence-break", args=[procedure.pk]), {"reason": "No."}
        )
        assert response.status_code == 403, who
    login(client, people["nl"])
    response = client.post(reverse("drafting:silence-break", args=[procedure.pk]), {"reason": "x"})
    assert "not invited to this silence procedure" in response.content.decode()
    assert not SilenceBreak.objects.exists()


def test_forged_ids_are_404(client, people, procedure):
    login(client, people["clerk"])
    assert (
        client.get(reverse("drafting:silence-detail", args=[procedure.pk + 999])).status_code == 404
    )
    for name in ("silence-break", "silence-conclude", "silence-end"):
        url = reverse(f"drafting:{name}", args=[procedure.pk + 999])
        assert client.post(url, {"reason": "x", "note": "x"}).status_code == 404, name
    url = reverse("drafting:silence-create", args=["no-such-document"])
    assert client.get(url).status_code == 404


# --- Concluding ---------------------------------------------------------------------------


def test_concluding_before_the_deadline_is_refused(people, procedure):
    with pytest.raises(ValidationError, match="runs until"):
        actions.conclude_silence(procedure, DEADLINE - SECOND, by=people["clerk"])
    assert fresh(procedure).closed == ""


def test_the_secretariat_records_the_agreement_and_the_document_becomes_final(
    client, people, document, procedure
):
    url = reverse("drafting:silence-conclude", args=[procedure.pk])
    with clock(DEADLINE):
        login(client, people["clerk"])
        assert client.post(url).status_code == 302
    document = fresh(document)
    assert document.status == D.FINAL and document.silence_until is None
    agreed = fresh(procedure)
    assert agreed.closed == SilenceProcedure.Closed.AGREED
    assert (agreed.closed_by, agreed.closed_at) == (people["clerk"], DEADLINE)
    row = document.history.order_by("-history_id").first()
    assert row.history_user == people["clerk"]
    assert "“Final draft” agreed under silence procedure" in row.history_change_reason
    assert "Marked final." in row.history_change_reason


def test_a_second_conclusion_from_a_stale_page_changes_nothing(client, people, procedure):
    first, changed = actions.conclude_silence(procedure, DEADLINE, by=people["clerk"])
    assert changed
    rows = (Document.history.count(), SilenceProcedure.history.count())
    again, changed = actions.conclude_silence(procedure, DEADLINE + SECOND, by=people["clerk"])
    assert not changed and again.closed_at == DEADLINE
    with clock(DEADLINE + timedelta(hours=1)):
        login(client, people["clerk"])
        response = client.post(
            reverse("drafting:silence-conclude", args=[procedure.pk]), follow=True
        )
    assert "already closed" in response.content.decode()
    assert (Document.history.count(), SilenceProcedure.history.count()) == rows


def test_the_periodic_sender_concludes_an_unbroken_procedure(people, document, procedure):
    outbox.send_due(now=DEADLINE - SECOND)
    assert fresh(procedure).closed == ""
    outbox.send_due(now=DEADLINE)
    agreed = fresh(procedure)
    assert agreed.closed == SilenceProcedure.Closed.AGREED and agreed.closed_by is None
    assert fresh(document).status == D.FINAL
    row = Document.history.filter(id=document.pk).order_by("-history_id").first()
    assert row.history_user is None
    assert "Recorded by the periodic sender" in row.history_change_reason
    rows = SilenceProcedure.history.count(), Document.history.count()
    outbox.send_due(now=DEADLINE + SECOND)  # idempotent
    assert (SilenceProcedure.history.count(), Document.history.count()) == rows


def test_the_periodic_sender_leaves_a_broken_procedure_to_the_secretariat(
    people, document, procedure
):
    actions.break_silence(procedure, by=people["us"], reason="No.", now=BEFORE)
    outbox.send_due(now=DEADLINE + timedelta(days=1))
    assert fresh(procedure).closed == ""
    assert fresh(document).status == D.IN_REVIEW


# --- Notifications ------------------------------------------------------------------------


def recipients(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_who_hears_about_opening_breaking_and_concluding(people, procedure, mailoutbox):
    ids = {k: u.pk for k, u in people.items()}
    invited = {ids["ma"], ids["ma2"], ids["us"]}
    assert recipients(Kind.SILENCE_OPENED) == invited  # the clerk opened it: not told
    actions.break_silence(procedure, by=people["ma"], reason="Para 3.", now=BEFORE)
    assert recipients(Kind.SILENCE_BROKEN) == {ids["clerk"], ids["ma2"], ids["us"]}
    actions.end_silence(procedure, by=people["clerk"], note="Back to review.", now=BEFORE)
    assert recipients(Kind.SILENCE_CONCLUDED) == invited
    outbox.send_due(now=BEFORE)
    told = sorted(a for m in mailoutbox if "Silence broken by Morocco" in m.subject for a in m.to)
    assert told == sorted(people[k].email for k in ("clerk", "ma2", "us"))
    assert people["nl"].email not in {a for m in mailoutbox for a in m.to}


def test_the_sender_tells_everyone_invited_when_silence_held(people, procedure):
    outbox.send_due(now=DEADLINE)
    ids = {k: u.pk for k, u in people.items()}
    assert recipients(Kind.SILENCE_CONCLUDED) == {ids["clerk"], ids["ma"], ids["ma2"], ids["us"]}


# --- Query count --------------------------------------------------------------------------


def _procedure_with(people, delegations: int) -> SilenceProcedure:
    clerk = people["clerk"]
    document = ready_to_be_final(clerk, sections=1, practices=1)
    version = actions.name_version(document, by=clerk, name="Final")
    experts = [make_user(Role.EXPERT) for _ in range(delegations)]
    procedure = actions.open_silence(
        document,
        by=clerk,
        version=version,
        deadline=DEADLINE,
        invited=[e.profile.delegation for e in experts],
        now=BEFORE,
    )
    for expert in experts:
        actions.break_silence(procedure, by=expert, reason="No.", now=BEFORE)
    return procedure


def test_the_silence_page_reads_in_a_fixed_number_of_queries(
    client, people, django_assert_max_num_queries
):
    small, large = _procedure_with(people, 1), _procedure_with(people, 12)
    login(client, people["clerk"])
    counts = []
    for procedure in (small, large):
        url = reverse("drafting:silence-detail", args=[procedure.pk])
        with django_assert_max_num_queries(15) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_reason_is_text_never_html(client, people, procedure):
    actions.break_silence(
        procedure, by=people["ma"], reason="<script>alert(1)</script> **Para 3**", now=BEFORE
    )
    login(client, people["clerk"])
    page = client.get(reverse("drafting:silence-detail", args=[procedure.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "<strong>Para 3</strong>" in page


def test_the_document_page_says_the_text_is_under_silence(client, people, document, procedure):
    login(client, people["ma"])
    page = client.get(document.get_absolute_url()).content.decode()
    assert "The text is under silence procedure until 14 March 2031, 16:00 UTC" in page
    assert reverse("drafting:silence-detail", args=[procedure.pk]) in page


# Everything the secretariat may do to a final document's text or state, per the permission
# matrix (tests/test_permissions_matrix.py), is refused while it is under silence.
FROZEN_STEPS = ["document-reopen", "document-submit", "document-edit", "document-renumber"]


@pytest.mark.parametrize("name", FROZEN_STEPS)
def test_under_silence_the_final_text_cannot_be_moved_or_changed(client, db, name):
    from tests.test_permissions_matrix import ACTIONS, attempt, build

    world = build("final")
    clerk = world.users["secretariat"]
    if name == "document-renumber":
        world.document.numbering = Document.Numbering.KEEP
        stamp(world.document, by=clerk, reason="Test set-up: keep numbers.")
        world.document.save()
    version = actions.name_version(world.document, by=clerk, name="Final text")
    actions.open_silence(
        world.document,
        by=clerk,
        version=version,
        deadline=DEADLINE,
        invited=[world.users["expert"].profile.delegation],
        now=BEFORE,
    )
    world.document = fresh(world.document)
    action = ACTIONS[name]
    response, written = attempt(client, clerk, action.url(world), action.data(world))
    assert written == 0
    assert response.status_code in {403, 422}, response.status_code
    assert "under silence procedure until 14 March 2031" in response.content.decode()


def test_the_version_page_says_it_was_agreed_under_silence(client, people, procedure):
    actions.conclude_silence(procedure, DEADLINE, by=people["clerk"])
    login(client, people["us"])
    version = procedure.version
    url = reverse("drafting:version-detail", args=[procedure.document.slug, version.pk])
    page = client.get(url).content.decode()
    assert "agreed under silence procedure" in page
    assert reverse("drafting:silence-detail", args=[procedure.pk]) in page


# --- My work: who sees a running procedure on their home page ---------------------------------


def _panel(page: str, key: str) -> str:
    start = page.find(f'id="work-{key}"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


def test_invited_experts_see_the_running_procedure_on_their_home_page(client, people, procedure):
    url = reverse("drafting:silence-detail", args=[procedure.pk])
    with clock(BEFORE):
        page = login(client, people["ma"]).get("/").content.decode()
    running = _panel(page, "silence")
    assert url in running and "10 days" in running and "broke silence" not in running

    with clock(BEFORE):
        page = login(client, people["nl"]).get("/").content.decode()
    assert url not in _panel(page, "silence")  # a delegation not invited has nothing to do

    with clock(BEFORE):
        page = login(client, people["clerk"]).get("/").content.decode()
    assert url in _panel(page, "deadlines")  # the secretariat's deadlines list it

    actions.break_silence(procedure, by=people["us"], reason="Para 3.", now=BEFORE)
    with clock(BEFORE):
        page = login(client, people["us"]).get("/").content.decode()
    assert "broke silence" in _panel(page, "silence")
    with clock(DEADLINE):
        page = login(client, people["ma"]).get("/").content.decode()
    assert url not in _panel(page, "silence")  # past the deadline: nothing left to do
