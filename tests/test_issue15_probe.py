"""Issue 15 probe: rounds of consultation attacked as a new user would — bad input in
every new form field, time zones, forged ids, markup in user text — each refusal a
clear message with nothing changed, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from drafting import actions
from drafting.models import Comment, CommentPeriod, Disposition, Notification
from drafting.models.notifications import Kind
from tests.conftest import clock, login
from tests.test_comment_periods import _fill, _open_form, _row
from tests.test_comment_periods import world as world  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EXPORT_TYPESET_IN_CHILD = False


def _create(client, world, **overrides):
    login(client, world["clerk"])
    url = reverse("drafting:period-create", args=[world["document"].slug])
    return client.post(url, _open_form(world, **overrides))


# --- Opening a period: time zones -------------------------------------------------------------


def test_the_opening_message_gives_the_deadline_in_utc_when_it_says_utc(client, world):
    # 17:00 in Brussels on 1 March 2099 is 16:00 UTC; the message said "17:00 UTC".
    response = _create(client, world)
    assert response.status_code == 302
    period = CommentPeriod.objects.latest("id")
    bodies = set(
        Notification.objects.filter(
            kind=Kind.PERIOD_OPENED, about=f"period:{period.pk}"
        ).values_list("body", flat=True)
    )
    assert bodies, "the invited experts are told"
    for body in bodies:
        assert "16:00 UTC" in body and "17:00 UTC" not in body


def test_a_deadline_in_the_hour_skipped_by_summer_time_is_refused_next_to_the_field(client, world):
    # Brussels clocks go from 02:00 to 03:00 on the last Sunday of March (29 March 2099).
    before = CommentPeriod.objects.count()
    response = _create(client, world, deadline_date="2099-03-29", deadline_time="02:30")
    assert response.status_code == 422
    assert "does not exist" in response.content.decode()
    assert CommentPeriod.objects.count() == before


@pytest.mark.parametrize(
    "field,value",
    [
        ("deadline_zone", "Mars/Olympus_Mons"),
        ("deadline_zone", "localtime"),  # the server's zone file, offered by zoneinfo
        ("deadline_zone", ""),
        ("version", "abc"),
        ("version", "99999999"),
        ("version", "-1"),
        ("invited", "abc"),
        ("invited", "99999999"),
        ("invited", ""),
        ("deadline_date", "2099-02-30"),
        ("deadline_time", "25:00"),
        ("instructions", "x" * 200_001),
    ],
)
def test_bad_input_in_every_field_of_the_opening_form_is_a_422(client, world, field, value):
    before = CommentPeriod.objects.count()
    response = _create(client, world, **{field: value})
    assert response.status_code == 422, response.status_code
    assert CommentPeriod.objects.count() == before


def test_markup_and_arabic_in_instructions_are_escaped_and_kept(client, world):
    text = 'مرحبا <script>alert("x")</script> <img src=x onerror=alert(1)> [a](javascript:alert(3))'
    response = _create(client, world, instructions=text)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "مرحبا" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'href="javascript' not in page.lower()


# --- GET on POST-only URLs, anonymous visitors ------------------------------------------------


def test_get_on_post_only_urls_is_405_and_anonymous_visitors_go_to_log_in(client, world):
    period = world["period"]
    login(client, world["clerk"])
    assert client.get(reverse("drafting:period-submit", args=[period.pk])).status_code == 405
    client.logout()
    for name, args in [
        ("period-list", [world["document"].slug]),
        ("period-create", [world["document"].slug]),
        ("period-detail", [period.pk]),
        ("period-compilation", [period.pk]),
        ("period-dispositions", [period.pk]),
    ]:
        response = client.get(reverse(f"drafting:{name}", args=args))
        assert response.status_code == 302 and "login" in response["Location"], name


# --- Dispositions: forged fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    "submission", ["comment-abc", "comment-", "poll-1", "comment-99999999", "comment-١"]
)
def test_a_forged_submission_is_a_404(client, world, submission):
    login(client, world["clerk"])
    url = reverse("drafting:period-dispositions", args=[world["period"].pk])
    response = client.post(url, {"submission": submission})
    assert response.status_code == 404


@pytest.mark.parametrize("meeting", ["abc", "99999999", "-3"])
def test_a_forged_meeting_in_a_disposition_is_a_form_error(client, world, meeting):
    _fill(world)
    comment = Comment.objects.filter(period=world["period"]).first()
    login(client, world["clerk"])
    url = reverse("drafting:period-dispositions", args=[world["period"].pk])
    response = client.post(url, _row("comment", comment.pk, outcome="deferred", meeting=meeting))
    assert response.status_code == 422
    assert not Disposition.objects.exists()


def test_a_note_with_markup_is_escaped_in_the_disposition_table(client, world):
    _fill(world)
    comment = Comment.objects.filter(period=world["period"]).first()
    login(client, world["clerk"])
    url = reverse("drafting:period-dispositions", args=[world["period"].pk])
    note = "<script>alert(1)</script> لا"
    response = client.post(url, _row("comment", comment.pk, outcome="rejected", note=note))
    assert response.status_code == 302
    for who in ("clerk", "a"):
        client.logout()
        login(client, world[who])
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page and "لا" in page


def test_a_submission_with_markup_is_escaped_in_the_compilation(client, world):
    practice = world["practices"][0]
    login(client, world["a"])
    response = client.post(
        reverse("drafting:period-submit", args=[world["period"].pk]),
        {"kind": "comment", "practice": practice.pk, "body": "<script>alert(2)</script>"},
    )
    assert response.status_code == 302
    for name in ("period-compilation", "period-detail", "period-dispositions"):
        page = client.get(reverse(f"drafting:{name}", args=[world["period"].pk]))
        assert "<script>alert(2)" not in page.content.decode(), name


@pytest.mark.parametrize("practice", ["abc", "99999999", "0", ""])
def test_a_forged_practice_in_a_submission_changes_nothing(client, world, practice):
    login(client, world["a"])
    response = client.post(
        reverse("drafting:period-submit", args=[world["period"].pk]),
        {"kind": "comment", "practice": practice, "body": "x"},
    )
    assert response.status_code in {404, 422}
    assert not Comment.objects.filter(period=world["period"]).exists()


def test_an_empty_or_huge_submission_is_a_form_error(client, world):
    practice = world["practices"][0]
    login(client, world["a"])
    url = reverse("drafting:period-submit", args=[world["period"].pk])
    for body in ("", "   ", "x" * 200_001):
        response = client.post(url, {"kind": "comment", "practice": practice.pk, "body": body})
        assert response.status_code == 422, len(body)
    response = client.post(url, {"kind": "change", "practice": practice.pk, "text": ""})
    assert response.status_code == 422
    assert not Comment.objects.filter(period=world["period"]).exists()


def test_the_reminder_gives_the_deadline_in_utc(world):
    period = world["period"]
    actions.remind_before_deadlines(now=datetime(2099, 1, 14, 12, 0, tzinfo=UTC))
    body = Notification.objects.filter(kind=Kind.PERIOD_DEADLINE).values_list("body", flat=True)
    assert body and all("15 January 2099 12:00 UTC" in b for b in body), period


# --- Anonymised compilation: who sees names -----------------------------------------------------


def test_a_reader_without_a_delegation_does_not_see_names_the_secretariat_anonymised(client, world):
    from drafting.models import ExpertProfile

    _fill(world)
    actions.toggle_anonymise(world["period"], by=world["clerk"], anonymise=True)
    observer = world["observer"]
    ExpertProfile.objects.filter(user=observer).update(delegation=None)  # test set-up only
    login(client, observer)
    page = client.get(reverse("drafting:period-detail", args=[world["period"].pk]))
    assert page.status_code == 200
    text = page.content.decode()
    # The invited list names them; the submissions must not.
    assert "<strong>Norvania</strong>" not in text and "<strong>Ostland</strong>" not in text
    compilation = client.get(reverse("drafting:period-compilation", args=[world["period"].pk]))
    assert "<strong>Norvania</strong>" not in compilation.content.decode()


# --- The reminder: only when the period was open 48 hours before its deadline ------------------


def test_a_period_opened_less_than_48_hours_before_its_deadline_gets_no_48_hour_reminder(
    world,
):
    from datetime import timedelta

    deadline = datetime(2099, 6, 1, 12, 0, tzinfo=UTC)
    opened = deadline - timedelta(hours=3)
    period = actions.open_period(
        world["document"],
        by=world["clerk"],
        version=world["version"],
        deadline=deadline,
        invited=[world["delegations"][0]],
        now=opened,
    )
    assert actions.remind_before_deadlines(now=opened + timedelta(minutes=5)) == 0
    assert not Notification.objects.filter(
        kind=Kind.PERIOD_DEADLINE, about=f"period:{period.pk}"
    ).exists()


# --- Files with Arabic text and markup; huge notes; time at the deadline -----------------------


def test_exports_hold_arabic_and_markup_without_error(client, world):
    practice = world["practices"][0]
    actions.add_comment(
        practice.section_id,
        by=world["a"],
        body="نقترح حذف هذه الفقرة <b>bold</b> & [link](javascript:alert(1))",
        practice=practice,
        period=world["period"],
    )
    comment = Comment.objects.get(period=world["period"])
    actions.record_disposition(
        world["period"], by=world["clerk"], comment=comment, outcome="rejected", note="مرفوض <i>"
    )
    login(client, world["clerk"])
    for name in ("period-compilation-export", "period-dispositions-export"):
        for fmt in ("docx", "pdf"):
            response = client.get(reverse(f"drafting:{name}", args=[world["period"].pk, fmt]))
            assert response.status_code == 200, (name, fmt)
            assert len(response.content) > 1000
        assert (
            client.get(reverse(f"drafting:{name}", args=[world["period"].pk, "exe"])).status_code
            == 404
        )


def test_a_huge_disposition_note_is_a_form_error_keeping_nothing(client, world):
    _fill(world)
    comment = Comment.objects.filter(period=world["period"]).first()
    login(client, world["clerk"])
    url = reverse("drafting:period-dispositions", args=[world["period"].pk])
    response = client.post(url, _row("comment", comment.pk, outcome="rejected", note="x" * 10_001))
    assert response.status_code == 422
    assert not Disposition.objects.exists()
    response = client.post(url, _row("comment", comment.pk, outcome="nonsense"))
    assert response.status_code == 422
    response = client.post(url, _row("comment", comment.pk, outcome="deferred"))
    assert response.status_code == 422 and "deferred to" in response.content.decode()
    assert not Disposition.objects.exists()


def test_a_submission_through_the_page_one_second_before_at_and_after_the_deadline(client, world):
    from datetime import timedelta

    deadline = datetime(2099, 3, 1, 16, 0, tzinfo=UTC)
    with clock(datetime(2099, 1, 1, tzinfo=UTC)):
        period = actions.open_period(
            world["document"],
            by=world["clerk"],
            version=world["version"],
            deadline=deadline,
            deadline_zone="Asia/Dubai",
            invited=[world["delegations"][0]],
        )
    practice = world["practices"][0]
    url = reverse("drafting:period-submit", args=[period.pk])

    def post_at(moment, body):
        with clock(moment):  # the session's idle clock runs on the same frozen time
            client.logout()
            login(client, world["a"])
            return client.post(url, {"kind": "comment", "practice": practice.pk, "body": body})

    assert post_at(deadline - timedelta(seconds=1), "In time.").status_code == 302
    for moment in (deadline, deadline + timedelta(seconds=1)):
        late = post_at(moment, "Late.")
        assert late.status_code == 403
        assert "deadline of this comment period has passed" in late.content.decode()
    assert list(Comment.objects.filter(period=period).values_list("body", "late")) == [
        ("In time.", False)
    ]


@pytest.mark.parametrize("name", ["period-create", "silence-create"])
def test_nothing_new_on_an_adopted_document(client, world, name):
    from drafting.history import stamp
    from drafting.models import Document

    document = Document.objects.get(pk=world["document"].pk)
    document.status = Document.Status.ADOPTED
    stamp(document, by=world["clerk"], reason="Test set-up: adopted.")
    document.save()
    login(client, world["clerk"])
    url = reverse(f"drafting:{name}", args=[document.slug])
    response = client.post(url, _open_form(world))
    assert response.status_code == 403
    assert "adopted" in response.content.decode()
    pk = world["period"].pk
    compilation = client.post(reverse("drafting:period-compilation", args=[pk]), {"anonymise": "1"})
    assert compilation.status_code == 403
    assert not CommentPeriod.objects.get(pk=pk).anonymise
    comment_url = reverse("drafting:period-submit", args=[world["period"].pk])
    client.logout()
    login(client, world["a"])
    response = client.post(
        comment_url, {"kind": "comment", "practice": world["practices"][0].pk, "body": "x"}
    )
    assert response.status_code == 403


# --- The circulated text, not the moving one ------------------------------------------------------


def test_a_practice_deleted_after_circulation_gets_a_clear_message_not_a_404(client, world):
    practice = world["practices"][1]
    actions.delete_practice(practice, by=world["clerk"], reason="Merged into 1.1.")
    login(client, world["a"])
    url = reverse("drafting:period-submit", args=[world["period"].pk])
    page = client.get(reverse("drafting:period-detail", args=[world["period"].pk]))
    assert f'name="practice" value="{practice.pk}"' in page.content.decode()  # still offered
    response = client.post(url, {"kind": "comment", "practice": practice.pk, "body": "Keep it."})
    assert response.status_code == 422
    assert "deleted" in response.content.decode()
    assert "Keep it." in response.content.decode()  # what was typed is kept
    assert not Comment.objects.filter(period=world["period"]).exists()


def test_a_refused_proposal_comes_back_with_what_was_typed(client, world):
    practice = world["practices"][0]
    login(client, world["a"])
    url = reverse("drafting:period-submit", args=[world["period"].pk])
    response = client.post(
        url,
        {
            "kind": "change",
            "practice": practice.pk,
            "heading": practice.heading,
            "text": practice.body,
            "rationale": "Un raisonnement tapé avec soin <b>.",
        },
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Un raisonnement tapé avec soin &lt;b&gt;." in text
    assert not Comment.objects.filter(period=world["period"]).exists()


# --- Silence procedure: forged fields, GET on buttons, anonymised names ---------------------------

from tests.test_silence import document as document  # noqa: E402, F401
from tests.test_silence import people as people  # noqa: E402, F401
from tests.test_silence import procedure as procedure  # noqa: E402, F401


@pytest.mark.parametrize(
    "change",
    [
        {"invited": ["abc"]},
        {"invited": ["99999999"]},
        {"version": "abc"},
        {"version": "99999999"},
        {"note": "x" * 2001},
        {"deadline_zone": ""},
    ],
)
def test_forged_fields_in_the_silence_form_are_a_422(client, people, document, change):
    from drafting.models import SilenceProcedure

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
    response = client.post(url, {**base, **change})
    assert response.status_code == 422
    assert not SilenceProcedure.objects.exists()


def test_silence_buttons_refuse_get_and_huge_reasons(client, people, procedure):
    from drafting.models import SilenceBreak

    login(client, people["ma"])
    for name in ("silence-break", "silence-conclude", "silence-end"):
        assert client.get(reverse(f"drafting:{name}", args=[procedure.pk])).status_code == 405
    url = reverse("drafting:silence-break", args=[procedure.pk])
    with __import__("tests.conftest", fromlist=["clock"]).clock(datetime(2031, 3, 10, tzinfo=UTC)):
        client.logout()
        login(client, people["ma"])
        assert client.post(url, {"reason": "x" * 2001}).status_code == 422
        assert client.post(url, {"reason": "   "}).status_code == 422
    assert not SilenceBreak.objects.exists()
    client.logout()
    login(client, people["observer"])
    assert client.post(url, {"reason": "No."}).status_code == 403
    assert not SilenceBreak.objects.exists()


def test_experts_cannot_lift_anonymity_with_a_query_string(client, world):
    _fill(world)
    actions.toggle_anonymise(world["period"], by=world["clerk"], anonymise=True)
    login(client, world["c"])  # an expert of a delegation not invited
    pk = world["period"].pk
    for url in (
        reverse("drafting:period-compilation", args=[pk]) + "?anonymise=0",
        reverse("drafting:period-dispositions", args=[pk]) + "?anonymise=0",
    ):
        text = client.get(url).content.decode()
        assert "<strong>Norvania</strong>" not in text and "Delegation A" in text, url
    response = client.post(reverse("drafting:period-compilation", args=[pk]), {"anonymise": "0"})
    assert response.status_code == 403
    assert CommentPeriod.objects.get(pk=pk).anonymise


# --- Who receives what -------------------------------------------------------------------------


def test_period_emails_reach_invited_active_experts_by_their_choice_only(client, world, mailoutbox):
    from datetime import timedelta

    from drafting import outbox
    from drafting.actions import notifications as notify
    from tests.conftest import make_user

    for key in ("a", "a2", "b", "c", "observer", "clerk"):
        world[key].email = f"{world[key].username}@example.org"
        world[key].save()
    a_delegation = world["a"].profile.delegation
    observer = make_user("observer", delegation=a_delegation)  # of an invited delegation
    observer.email = "obs@example.org"
    observer.save()
    gone = make_user("expert", delegation=a_delegation)
    gone.email, gone.is_active = "gone@example.org", False
    gone.save()
    notify.save_preferences(world["a2"], {Kind.PERIOD_OPENED: "none"}, by=world["a2"])
    notify.save_preferences(world["b"], {Kind.PERIOD_DEADLINE: "digest"}, by=world["b"])
    deadline = datetime(2099, 6, 1, 12, 0, tzinfo=UTC)
    opened = deadline - timedelta(days=10)
    with clock(opened):
        actions.open_period(
            world["document"],
            by=world["clerk"],
            version=world["version"],
            deadline=deadline,
            invited=[a_delegation, world["b"].profile.delegation],
        )
    outbox.send_due(now=opened + timedelta(minutes=1))
    opened_to = sorted(m.to[0] for m in mailoutbox)
    assert opened_to == sorted([world["a"].email, world["b"].email])
    mailoutbox.clear()
    # The reminder: twice through the sender, once each; b's waits for the daily digest.
    outbox.send_due(now=deadline - timedelta(hours=47))
    outbox.send_due(now=deadline - timedelta(hours=46))
    reminded = sorted(m.to[0] for m in mailoutbox if "48 hours left" in m.subject)
    assert reminded == sorted([world["a"].email, world["a2"].email])
    recipients = set(
        Notification.objects.filter(kind=Kind.PERIOD_DEADLINE).values_list(
            "recipient_id", flat=True
        )
    )
    assert recipients == {world["a"].pk, world["a2"].pk, world["b"].pk}
    assert all("gone@" not in m.to[0] and "obs@" not in m.to[0] for m in mailoutbox)


# --- The freeze holds for proposals sent in a comment period ------------------------------------


def test_under_silence_a_proposal_in_a_comment_period_is_refused_with_the_reason(
    client, people, document, procedure
):
    from drafting.models import Amendment

    period = actions.open_period(
        document,
        by=people["clerk"],
        version=procedure.version,
        deadline=datetime(2099, 1, 1, tzinfo=UTC),
        invited=[people["ma"].profile.delegation],
    )
    practice = document.sections.order_by("position").first().practices.first()
    login(client, people["ma"])
    response = client.post(
        reverse("drafting:period-submit", args=[period.pk]),
        {
            "kind": "change",
            "practice": practice.pk,
            "heading": "Changed under silence",
            "text": "Changed.",
            "rationale": "Why not.",
        },
    )
    assert response.status_code == 403
    assert "under silence procedure" in response.content.decode()
    assert not Amendment.objects.filter(period=period).exists()
    # A comment is not a change to the text: it is still taken.
    response = client.post(
        reverse("drafting:period-submit", args=[period.pk]),
        {"kind": "comment", "practice": practice.pk, "body": "A remark."},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("zone", ["Nowhere/Else", "localtime", ""])
def test_the_actions_refuse_a_time_zone_that_pages_could_not_show(people, document, zone):
    from django.core.exceptions import ValidationError

    from drafting.models import SilenceProcedure

    version = actions.name_version(document, by=people["clerk"], name="Final draft")
    common = {
        "by": people["clerk"],
        "version": version,
        "deadline": datetime(2099, 1, 1, tzinfo=UTC),
        "deadline_zone": zone,
        "invited": [people["ma"].profile.delegation],
    }
    with pytest.raises(ValidationError, match="Choose a time zone from the list."):
        actions.open_period(document, **common)
    with pytest.raises(ValidationError, match="Choose a time zone from the list."):
        actions.open_silence(document, **common)
    assert not CommentPeriod.objects.exists() and not SilenceProcedure.objects.exists()


# --- Concurrency (PostgreSQL): senders and buttons at the same instant ------------------------


def _together(*calls) -> list[str]:
    """Run ``calls`` in threads released at once; each one's outcome as text."""
    import threading

    from django.db import connections

    outcomes: list[str] = []
    barrier = threading.Barrier(len(calls))

    def run(call) -> None:
        try:
            barrier.wait()
            outcomes.append(repr(call()))
        except Exception as error:  # noqa: BLE001 - the outcome is what is compared
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _postgres_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Row locks across connections are exercised on PostgreSQL.")


@pytest.mark.django_db(transaction=True)
def test_three_senders_at_once_send_each_reminder_once(world, mailoutbox):
    from datetime import timedelta

    from drafting import outbox

    _postgres_only()
    for key in ("a", "a2", "b"):
        world[key].email = f"{world[key].username}@example.org"
        world[key].save()
    from tests.test_comment_periods import FAR

    moment = FAR - timedelta(hours=47)
    _together(*[lambda: outbox.send_due(now=moment)] * 3)
    reminders = sorted(m.to[0] for m in mailoutbox if "48 hours left" in m.subject)
    assert reminders == sorted(world[k].email for k in ("a", "a2", "b"))
    assert Notification.objects.filter(kind=Kind.PERIOD_DEADLINE).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_sender_and_the_button_concluding_at_once_conclude_once(people, procedure):
    from datetime import timedelta

    from drafting import outbox
    from drafting.models import Document, SilenceProcedure

    _postgres_only()
    after = procedure.deadline + timedelta(minutes=1)
    outcomes = _together(
        lambda: outbox.send_due(now=after),
        lambda: actions.conclude_silence(procedure.pk, after, by=people["clerk"])[1],
        lambda: actions.conclude_silence(procedure.pk, after, by=people["clerk"])[1],
    )
    assert outcomes.count("True") <= 1, outcomes
    assert SilenceProcedure.objects.get(pk=procedure.pk).closed == "agreed"
    assert Document.objects.get(pk=procedure.document_id).status == Document.Status.FINAL
    told = list(
        Notification.objects.filter(kind=Kind.SILENCE_CONCLUDED).values_list(
            "recipient_id", flat=True
        )
    )
    assert len(told) == len(set(told)), "each person is told once"


@pytest.mark.django_db(transaction=True)
def test_two_experts_of_one_delegation_breaking_at_once_break_once(people, procedure):
    from drafting.models import SilenceBreak
    from tests.test_silence import BEFORE as before

    _postgres_only()
    outcomes = _together(
        lambda: actions.break_silence(procedure.pk, by=people["ma"], reason="One.", now=before),
        lambda: actions.break_silence(procedure.pk, by=people["ma2"], reason="Two.", now=before),
    )
    assert outcomes.count("ValidationError") == 1, outcomes
    assert SilenceBreak.objects.filter(procedure=procedure).count() == 1


# --- The freeze, swept over every state-changing URL -----------------------------------------

# What may still be recorded while the text is under silence: nothing here changes the text.
NOT_THE_TEXT = {
    "version-create",
    "amendment-withdraw",
    "document-create",  # another document
    "agreement-set",
    "silence-break",
    "period-create",
    "period-submit",  # the matrix's submission is a comment
    "period-compilation",
    "period-dispositions",
}
NOT_THE_TEXT_PREFIXES = ("comment-", "meeting-", "position-", "people-", "person-", "notification-")


@pytest.mark.parametrize("state", ["drafting", "in_review"])
def test_under_silence_no_url_changes_the_text(client, db, state):
    from drafting.history import stamp
    from drafting.models import Document
    from tests.test_permissions_matrix import ACTIONS, attempt, build

    world = build(state)
    document = Document.objects.get(pk=world.document.pk)
    # The freeze is Document.silence_until (permissions.why_frozen_by_silence); set here
    # directly so that every state that lets text change can be swept.
    document.silence_until = datetime(2031, 3, 14, 16, 0, tzinfo=UTC)
    stamp(document, by=world.users["secretariat"], reason="Test set-up: under silence.")
    document.save()
    world.document = document
    wrote = []
    for name, action in ACTIONS.items():
        if name in NOT_THE_TEXT or name.startswith(NOT_THE_TEXT_PREFIXES):
            continue
        url, data = action.url(world), action.data(world)
        for role in ("expert", "secretariat"):
            response, written = attempt(client, world.users[role], url, data)
            assert response.status_code < 500, (name, role)
            if written:
                wrote.append((name, role))
    assert not wrote
