"""Notifications: queued with the change, sent once after it, read in the application.

Who received what is asserted on Django's in-memory mail box (pytest-django's
``mailoutbox``); the sender is ``manage.py send_notifications``.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from drafting import actions, outbox
from drafting.actions import notifications as notify
from drafting.models import (
    ExpertProfile,
    Notification,
    NotificationDigest,
    NotificationPreference,
)
from drafting.models.notifications import Delivery, Kind
from tests.conftest import NOT_AGREED, clock, login, make_document, make_user

Role = ExpertProfile.Role
Email = Notification.Email


def with_email(user):
    user.email = f"{user.username}@example.org"
    user.save()
    return user


@pytest.fixture
def people(db):
    """Two experts of one delegation, one of another, two secretariat officers, all
    with e-mail addresses."""
    proposer = with_email(make_user(Role.EXPERT))
    colleague = with_email(make_user(Role.EXPERT, delegation=proposer.profile.delegation))
    stranger = with_email(make_user(Role.EXPERT))
    clerk = with_email(make_user(Role.SECRETARIAT))
    second_clerk = with_email(make_user(Role.SECRETARIAT))
    return {
        "proposer": proposer,
        "colleague": colleague,
        "stranger": stranger,
        "clerk": clerk,
        "second_clerk": second_clerk,
    }


@pytest.fixture
def proposal(people):
    document = make_document(by=people["clerk"], sections=2, practices=2)
    practice = document.sections.order_by("position").first().practices.first()
    return actions.propose_change(
        practice, by=people["proposer"], heading="Better", body="Better.", rationale="Clearer."
    )


def send() -> None:
    call_command("send_notifications", verbosity=0)


def to(messages) -> list[str]:
    return sorted(address for m in messages for address in m.to)


# --- Who receives what ------------------------------------------------------------------------


def test_a_decision_reaches_the_proposing_delegations_experts_and_nobody_else(
    people, proposal, mailoutbox
):
    actions.reject_amendment(proposal, by=people["clerk"], note="Out of the mandate.")
    send()
    decided = [m for m in mailoutbox if "rejected" in m.subject]
    assert to(decided) == sorted([people["proposer"].email, people["colleague"].email])
    assert "Out of the mandate." in decided[0].body
    assert f"/amendments/{proposal.pk}/" in decided[0].body
    # The secretariat's "new amendment" waits for the daily digest; the stranger hears nothing.
    assert people["stranger"].email not in to(mailoutbox)
    assert not Notification.objects.filter(recipient=people["stranger"]).exists()
    assert Notification.objects.filter(
        recipient=people["clerk"], kind=Kind.NEW_AMENDMENT, email=Email.DIGEST
    ).exists()


def test_accepting_tells_the_proposers_too_and_not_the_decider(people, proposal, mailoutbox):
    actions.accept_amendment(proposal, by=people["clerk"], note="Agreed in Rabat.")
    send()
    assert to(mailoutbox) == sorted([people["proposer"].email, people["colleague"].email])
    assert "accepted" in mailoutbox[0].subject and "Agreed in Rabat." in mailoutbox[0].body


def test_a_refused_or_rolled_back_change_queues_nothing(people, proposal, mailoutbox):
    before = Notification.objects.count()
    with pytest.raises(ValidationError):
        actions.reject_amendment(proposal, by=people["clerk"], note="")  # a note is required
    with transaction.atomic():
        actions.reject_amendment(proposal, by=people["clerk"], note="Rolled back.")
        assert Notification.objects.count() > before
        transaction.set_rollback(True)
    assert Notification.objects.count() == before
    send()
    assert not [m for m in mailoutbox if "rejected" in m.subject]


def test_a_reply_reaches_the_thread_and_a_comment_the_secretariat(people, db):
    document = make_document(by=people["clerk"], sections=1, practices=1)
    section = document.sections.first()
    thread = actions.add_comment(section, by=people["proposer"], body="Why *this*?")
    assert set(
        Notification.objects.filter(kind=Kind.NEW_COMMENT).values_list("recipient", flat=True)
    ) == {people["clerk"].pk, people["second_clerk"].pk}
    actions.reply_to_comment(thread, by=people["clerk"], body="Because.")
    replies = Notification.objects.filter(kind=Kind.COMMENT_REPLY)
    assert list(replies.values_list("recipient", flat=True)) == [people["proposer"].pk]
    assert f"#comment-{thread.pk}" in replies.get().url
    # The clerk replied: the other officer hears of the new comment, the clerk does not.
    latest = Notification.objects.filter(kind=Kind.NEW_COMMENT).order_by("-id").first()
    assert latest.recipient == people["second_clerk"]


def test_a_section_moving_on_reaches_those_who_took_part_in_it(people, proposal, mailoutbox):
    section = proposal.section
    actions.add_comment(section, by=people["stranger"], body="A remark.")
    bystander = with_email(make_user(Role.EXPERT))
    actions.open_document_review(section.document, by=people["clerk"])
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")
    mail.outbox.clear()
    actions.request_review(section, by=people["clerk"])
    actions.approve_section(section, by=people["clerk"], not_agreed_reason=NOT_AGREED)
    send()
    reviewed = [m for m in mailoutbox if "sent for review" in m.subject]
    approved = [m for m in mailoutbox if "approved" in m.subject.lower()]
    followers = sorted(people[k].email for k in ("proposer", "colleague", "stranger"))
    assert to(reviewed) == followers
    assert to(approved) == followers
    assert bystander.email not in to(mailoutbox)


# --- The sender: once, retried, never lost ---------------------------------------------------


def test_sending_twice_sends_once(people, proposal, mailoutbox):
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")
    send()
    first = len(mailoutbox)
    assert first == 2
    send()
    assert len(mailoutbox) == first
    assert set(Notification.objects.filter(kind=Kind.AMENDMENT_DECIDED).values_list("email")) == {
        (Email.SENT,)
    }


def test_a_mail_server_failure_keeps_the_email_and_a_later_run_sends_it_once(
    people, proposal, mailoutbox, monkeypatch
):
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with clock(start):
        actions.reject_amendment(proposal, by=people["clerk"], note="No.")

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", refuse)
        with clock(start):
            send()
    assert mailoutbox == []
    rows = list(Notification.objects.filter(kind=Kind.AMENDMENT_DECIDED))
    assert len(rows) == 2
    for row in rows:
        assert row.email == Email.PENDING and row.attempts == 1
        assert row.next_attempt_at > start and "unexpectedly closed" in row.last_error
    with clock(start + timedelta(seconds=10)):
        send()  # not due yet: waits its turn
    assert mailoutbox == []
    with clock(start + timedelta(hours=1)):
        send()
        send()
    assert to(mailoutbox) == sorted([people["proposer"].email, people["colleague"].email])
    assert all(
        r.email == Email.SENT for r in Notification.objects.filter(pk__in=[r.pk for r in rows])
    )


def test_an_unreachable_server_keeps_every_email(people, proposal, mailoutbox, monkeypatch):
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")

    def down(self):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(EmailBackend, "open", down, raising=False)
    report = outbox.send_due()
    assert report.sent == 0 and report.failed == 2
    assert Notification.objects.filter(email=Email.PENDING, attempts=1).count() == 2


def test_a_sender_that_stopped_mid_send_does_not_send_again(people, proposal, mailoutbox):
    """At most once: a row claimed and never marked may have left; it is not sent again."""
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")
    claimed = notify.claim_emails(now=datetime.now(UTC) + timedelta(seconds=1))
    assert len(claimed) == 2  # ... and the sender died here
    send()
    assert mailoutbox == []
    assert outbox.stuck() == 2


def test_backoff_grows_and_is_capped():
    assert notify.backoff(1) == timedelta(minutes=1)
    assert notify.backoff(3) == timedelta(minutes=4)
    assert notify.backoff(30) == notify.MAX_BACKOFF


# --- Preferences and the daily digest ---------------------------------------------------------


def test_no_email_sends_nothing_but_keeps_it_listed(people, proposal, mailoutbox):
    for who in ("proposer", "colleague"):
        notify.save_preferences(
            people[who], {Kind.AMENDMENT_DECIDED: Delivery.NONE}, by=people[who]
        )
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")
    send()
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=people["proposer"], email=Email.NONE).exists()


def test_the_digest_leaves_once_a_day_with_what_was_queued_before_its_hour(
    people, proposal, mailoutbox, settings
):
    settings.NOTIFICATION_DIGEST_HOUR = 7
    clerk = people["clerk"]
    day1 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # TIME_ZONE is UTC in the tests
    notify.save_preferences(
        people["proposer"], {Kind.AMENDMENT_DECIDED: Delivery.DIGEST}, by=people["proposer"]
    )
    with clock(day1):
        actions.reject_amendment(proposal, by=clerk, note="No.")
        second = actions.propose_change(
            proposal.practice, by=people["colleague"], heading="Other", body="B.", rationale="R."
        )
    mail.outbox.clear()
    with clock(day1 + timedelta(hours=1)):
        send()
    # The colleague wanted it at once; the proposer waits for tomorrow's digest; the
    # secretariat's new-amendment notices too.
    assert to(mailoutbox) == [people["colleague"].email]
    mail.outbox.clear()
    with clock(day1 + timedelta(hours=21, minutes=30)):  # day 2, 07:30
        send()
        send()
    digests = {m.to[0]: m for m in mailoutbox}
    assert sorted(digests) == sorted(
        [people["proposer"].email, clerk.email, people["second_clerk"].email]
    )
    assert "rejected" in digests[people["proposer"].email].body
    assert f"#{second.pk}" in digests[clerk.email].body
    assert NotificationDigest.objects.count() == 3
    mail.outbox.clear()
    with clock(day1 + timedelta(days=1)):  # day 2, 10:00: a new one waits for day 3
        actions.reject_amendment(second, by=clerk, note="No again.")
        send()
    assert to(mailoutbox) == [people["colleague"].email]  # at once, as chosen
    mail.outbox.clear()
    with clock(day1 + timedelta(days=2, hours=-2, minutes=5)):  # day 3, 08:05
        send()
    assert to(mailoutbox) == [people["proposer"].email]
    assert NotificationDigest.objects.filter(recipient=people["proposer"]).count() == 2


def test_preferences_page_saves_each_persons_choices(client, people):
    expert = people["proposer"]
    login(client, expert)
    url = reverse("drafting:notification-preferences")
    page = client.get(url)
    assert page.status_code == 200
    assert "A decision on my delegation" in page.content.decode()
    assert "A new amendment is proposed" not in page.content.decode()  # the secretariat's
    choices = {kind: Delivery.IMMEDIATE for kind in notify.kinds_for(expert)}
    response = client.post(url, {**choices, Kind.AMENDMENT_DECIDED: Delivery.DIGEST})
    assert response.status_code == 302
    assert notify.choices_of(expert)[Kind.AMENDMENT_DECIDED] == Delivery.DIGEST
    response = client.post(url, {**choices, Kind.AMENDMENT_DECIDED: "weekly"})
    assert response.status_code == 422
    assert "Choose at once, daily digest or no e-mail." in response.content.decode()
    assert notify.choices_of(expert)[Kind.AMENDMENT_DECIDED] == Delivery.DIGEST


def test_nobody_chooses_for_someone_else(people):
    with pytest.raises(PermissionDenied):
        notify.save_preferences(
            people["proposer"], {Kind.AMENDMENT_DECIDED: Delivery.NONE}, by=people["clerk"]
        )
    assert not NotificationPreference.objects.exists()


# --- In the application ----------------------------------------------------------------------


def test_the_header_counts_unread_and_the_list_marks_them_read(client, people, proposal):
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")
    login(client, people["proposer"])
    home = client.get(reverse("drafting:home")).content.decode()
    assert 'aria-label="1 unread"' in home
    page = client.get(reverse("drafting:notification-list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Amendment #{proposal.pk} rejected" in text and "New" in text
    assert not Notification.objects.filter(recipient=people["proposer"], read_at=None).exists()
    assert "unread" not in client.get(reverse("drafting:home")).content.decode()


def test_mark_all_read_marks_only_mine(client, people, proposal):
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")
    login(client, people["colleague"])
    response = client.post(reverse("drafting:notification-read-all"))
    assert response.status_code == 302
    assert Notification.objects.get(recipient=people["colleague"]).read_at is not None
    assert Notification.objects.get(recipient=people["proposer"]).read_at is None
    assert client.get(reverse("drafting:notification-read-all")).status_code == 405


def test_another_persons_notifications_are_never_shown_or_marked(client, people, proposal):
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")
    theirs = Notification.objects.get(recipient=people["proposer"])
    login(client, people["stranger"])
    text = client.get(reverse("drafting:notification-list")).content.decode()
    assert theirs.subject not in text
    assert notify.mark_read(people["stranger"], [theirs.pk]) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(reverse("drafting:notification-list") + "?page=abc").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for name in ("notification-list", "notification-preferences"):
        response = client.get(reverse(f"drafting:{name}"))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login")


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_takes_a_fixed_number_of_queries(
    client, people, count, django_assert_max_num_queries
):
    expert = people["proposer"]
    with transaction.atomic():
        for n in range(count):
            notify.queue(Kind.SECTION_APPROVED, [expert], f"Item {n}", "Body", "/")
    login(client, expert)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("drafting:notification-list"))
    assert response.status_code == 200
    assert "Item 0" in response.content.decode() or count > 50


def test_queue_refuses_an_unknown_kind(people):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify.queue("gossip", [people["proposer"]], "S", "B", "/")


def test_rounds_of_consultation_kinds_exist_for_the_work_built_later(people):
    expert = people["proposer"]
    rows = notify.queue(
        Kind.PERIOD_OPENED, [expert], "Comment period open until 12 May", "Body", "/", about="p:1"
    )
    assert rows[0].email == Email.PENDING  # immediate by default
    for kind in (Kind.PERIOD_DEADLINE, Kind.SILENCE_OPENED, Kind.SILENCE_BROKEN):
        assert kind in notify.kinds_for(expert)


def test_a_person_deactivated_before_the_send_gets_no_email(people, proposal, mailoutbox):
    actions.reject_amendment(proposal, by=people["clerk"], note="No.")
    colleague = people["colleague"]
    colleague.is_active = False
    colleague.save()
    send()
    assert to(mailoutbox) == [people["proposer"].email]
    assert Notification.objects.get(recipient=colleague).email == Email.NONE
