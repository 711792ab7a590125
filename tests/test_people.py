"""People without the admin (issue 12): invitations, roles, deactivation, passwords, e-mail.

E-mail goes to Django's locmem backend (``mailoutbox``); the invitation leaves when the
inviting transaction commits, so those requests run inside
``django_capture_on_commit_callbacks(execute=True)``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from drafting import actions, permissions
from drafting.models import AccountEvent, ExpertProfile
from tests.conftest import PASSWORD, login, make_delegation, make_user

User = get_user_model()
Role = ExpertProfile.Role
pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-password-for-drafting"
LINK = re.compile(r"https?://[^\s]+/accounts/password/set/[^\s]+/")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("Connection refused by smtp.example.org:587")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def invite(client, clerk, capture, **overrides):
    delegation = make_delegation(name="Norvania")
    data = {
        "first_name": "Ingrid",
        "last_name": "Solberg",
        "email": "ingrid.solberg@norvania.example",
        "delegation": delegation.pk,
        "role": Role.EXPERT,
        "reason": "Joins for the Oslo workshop.",
    }
    data.update(overrides)
    login(client, clerk)
    with capture(execute=True):
        response = client.post(reverse("drafting:people-invite"), data)
    return response, delegation


def link_in(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(0)


def set_password(client, link: str, password: str = NEW_PASSWORD):
    """Open an e-mailed link and choose a password, as the person does."""
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert "Choose your password" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


# --- inviting -------------------------------------------------------------------------------


def test_invited_expert_gets_a_link_sets_a_password_and_logs_in(
    client, secretariat, mailoutbox, django_capture_on_commit_callbacks
):
    response, delegation = invite(client, secretariat, django_capture_on_commit_callbacks)
    person = User.objects.get(email="ingrid.solberg@norvania.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("drafting:person-detail", args=[person.pk])
    assert not person.has_usable_password()
    assert person.username == "ingrid.solberg@norvania.example"
    assert (person.profile.role, person.profile.delegation) == (Role.EXPERT, delegation)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ingrid.solberg@norvania.example"]
    assert "invited" in message.subject
    assert "Your username is: ingrid.solberg@norvania.example" in message.body
    link = link_in(message)
    assert link.startswith("http://testserver/accounts/password/set/")

    # Who did what, when: the account record and the profile's history name the secretariat.
    kinds = list(person.account_events.order_by("pk").values_list("kind", "by"))
    assert kinds == [
        (AccountEvent.Kind.INVITED, secretariat.pk),
        (AccountEvent.Kind.INVITATION_SENT, secretariat.pk),
    ]
    row = person.profile.history.get()
    assert row.history_user == secretariat
    assert "Joins for the Oslo workshop." in row.history_change_reason

    page = client.get(reverse("drafting:person-detail", args=[person.pk])).content.decode()
    assert "Invited; no password chosen yet" in page
    assert "Invitation e-mail sent" in page

    client.logout()
    done = set_password(client, link)
    assert done.status_code == 302
    assert done["Location"] == reverse("password-reset-complete")
    assert client.login(username="ingrid.solberg@norvania.example", password=NEW_PASSWORD)
    assert permissions.role_of(User.objects.get(pk=person.pk)) == Role.EXPERT
    assert person.account_events.filter(kind=AccountEvent.Kind.PASSWORD_SET).exists()
    # The link works once.
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_invitation_link_expires_after_the_configured_time(
    client, secretariat, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.PASSWORD_RESET_TIMEOUT = 72 * 3600
    sent_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).replace(tzinfo=None)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=sent_at):
        invite(client, secretariat, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    client.logout()
    late = sent_at + timedelta(hours=72, seconds=1)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=late):
        page = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in page
    assert "Ask for a new link" in page
    in_time = sent_at + timedelta(hours=71)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=in_time):
        assert "Choose your password" in client.get(link, follow=True).content.decode()


def test_a_forged_link_shows_a_clear_page_and_changes_nothing(client, expert):
    for uid, token in (("MQ", "forged-token"), ("not-base64!", "x-y"), ("OTk5OTk5", "a-b")):
        url = reverse("password-reset-confirm", kwargs={"uidb64": uid, "token": token})
        response = client.get(url)
        assert response.status_code == 200
        assert "This link no longer works" in response.content.decode()
        posted = client.post(url, {"new_password1": "x" * 20, "new_password2": "x" * 20})
        assert posted.status_code == 200
    assert client.login(username=expert.username, password=PASSWORD)


def test_a_failed_send_keeps_the_account_says_so_and_can_be_sent_again(
    client, secretariat, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "tests.test_people.RefusingBackend"
    response, _ = invite(client, secretariat, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    person = User.objects.get(email="ingrid.solberg@norvania.example")
    assert mailoutbox == []
    failed = person.account_events.get(kind=AccountEvent.Kind.INVITATION_FAILED)
    assert "Connection refused" in failed.detail

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "The invitation e-mail could not be sent" in text
    assert "Connection refused by smtp.example.org" in text
    resend = reverse("drafting:person-resend", args=[person.pk])
    assert f'action="{resend}"' in text and "Send the invitation again" in text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(resend)
    assert again.status_code == 302
    assert [m.to for m in mailoutbox] == [[person.email]]
    page = client.get(again["Location"]).content.decode()
    assert "The invitation e-mail could not be sent" not in page
    client.logout()
    set_password(client, link_in(mailoutbox[0]))
    assert client.login(username=person.username, password=NEW_PASSWORD)


def test_send_again_is_refused_once_the_password_is_set(client, secretariat, expert, mailoutbox):
    login(client, secretariat)
    response = client.post(reverse("drafting:person-resend", args=[expert.pk]), follow=True)
    assert "has already set a password" in response.content.decode()
    assert mailoutbox == []


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"email": "not-an-address"}, "email", "Enter an e-mail address"),
        ({"email": ""}, "email", "Give the person's e-mail address"),
        ({"delegation": "999999"}, "delegation", "That delegation does not exist"),
        ({"delegation": "12abc"}, "delegation", "That delegation does not exist"),
        ({"delegation": "9" * 40}, "delegation", "That delegation does not exist"),
        ({"role": "superuser"}, "role", "Choose expert, secretariat or observer"),
        ({"delegation": ""}, "delegation", "An expert speaks for a delegation"),
        ({"first_name": ""}, "first_name", "required"),
        ({"first_name": "Eve\r\nBcc: victim@evil.test"}, "first_name", "no line breaks"),
        ({"last_name": "Rev\u202eesrever"}, "last_name", "invisible direction marks"),
    ],
)
def test_bad_invitations_are_refused_next_to_the_field_and_change_nothing(
    client, secretariat, mailoutbox, django_capture_on_commit_callbacks, overrides, field, words
):
    users_before = User.objects.count()
    response, _ = invite(client, secretariat, django_capture_on_commit_callbacks, **overrides)
    assert response.status_code == 422
    assert words in " ".join(response.context["form"].errors[field])
    assert words in response.content.decode().replace("&#x27;", "'")
    assert User.objects.count() == users_before
    assert not AccountEvent.objects.exists()
    assert mailoutbox == []


def test_an_address_already_in_use_is_refused_whatever_its_case(
    client, secretariat, expert, mailoutbox, django_capture_on_commit_callbacks
):
    expert.email = "Sarah.Mitchell@State.example"
    expert.save()
    users_before = User.objects.count()
    response, _ = invite(
        client,
        secretariat,
        django_capture_on_commit_callbacks,
        email="sarah.mitchell@state.example",
    )
    assert response.status_code == 422
    assert "already has an account with this e-mail address" in response.content.decode()
    assert User.objects.count() == users_before
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["expert", "observer", "norole"])
def test_people_pages_are_the_secretariats(client, who, expert, secretariat, observer):
    user = {"expert": expert, "observer": observer, "norole": make_user(None)}[who]
    login(client, user)
    for url in (
        reverse("drafting:people-list"),
        reverse("drafting:people-invite"),
        reverse("drafting:person-detail", args=[secretariat.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Only the secretariat manages people" in response.content.decode(), url
    response = client.post(reverse("drafting:person-deactivate", args=[secretariat.pk]))
    assert response.status_code == 403
    assert User.objects.get(pk=secretariat.pk).is_active


def test_an_unknown_person_is_a_404(client, secretariat):
    login(client, secretariat)
    assert client.get(reverse("drafting:person-detail", args=[999999])).status_code == 404
    response = client.post(reverse("drafting:person-deactivate", args=[999999]))
    assert response.status_code == 404


# --- roles and deactivation ------------------------------------------------------------------


def test_changing_a_role_is_recorded_and_takes_effect(client, secretariat, expert):
    login(client, secretariat)
    url = reverse("drafting:person-role", args=[expert.pk])
    response = client.post(url, {"role": Role.OBSERVER, "delegation": "", "reason": "Left."})
    assert response.status_code == 302
    profile = ExpertProfile.objects.get(user=expert)
    assert (profile.role, profile.delegation) == (Role.OBSERVER, None)
    assert not permissions.can_draft(User.objects.get(pk=expert.pk))
    latest = profile.history.order_by("-history_id").first()
    assert latest.history_user == secretariat
    assert "→ Observer" in latest.history_change_reason
    event = expert.account_events.get()
    assert (event.kind, event.by) == (AccountEvent.Kind.ROLE_CHANGED, secretariat)
    assert "Left." in event.detail


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"role": "admin", "delegation": ""}, "Choose expert, secretariat or observer"),
        ({"role": Role.EXPERT, "delegation": "424242"}, "That delegation does not exist"),
        ({"role": Role.EXPERT, "delegation": ""}, "An expert speaks for a delegation"),
    ],
)
def test_bad_role_changes_are_refused_and_change_nothing(client, secretariat, expert, data, words):
    login(client, secretariat)
    before = ExpertProfile.objects.get(user=expert)
    response = client.post(reverse("drafting:person-role", args=[expert.pk]), data)
    assert response.status_code == 422
    assert words in response.content.decode()
    after = ExpertProfile.objects.get(user=expert)
    assert (after.role, after.delegation_id) == (before.role, before.delegation_id)
    assert not AccountEvent.objects.exists()


def test_deactivation_ends_sessions_and_login_until_reactivated(client, secretariat, expert):
    from django.test import Client

    theirs = login(Client(), expert)
    assert theirs.get(reverse("drafting:home")).status_code == 200
    login(client, secretariat)
    response = client.post(
        reverse("drafting:person-deactivate", args=[expert.pk]), {"reason": "Left the forum."}
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=expert.pk).is_active
    # Their open session has ended: the next page sends them to log in.
    following = theirs.get(reverse("drafting:home"))
    assert following.status_code == 302 and following["Location"].startswith(reverse("login"))
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(expert.pk)
    ]
    # And the log-in page refuses them.
    refused = Client().post(reverse("login"), {"username": expert.username, "password": PASSWORD})
    assert refused.status_code == 200
    assert "_auth_user_id" not in refused.wsgi_request.session
    event = expert.account_events.get()
    assert (event.kind, event.by) == (AccountEvent.Kind.DEACTIVATED, secretariat)
    assert "Left the forum." in event.detail and "Logged out of 1 session" in event.detail
    # The secretariat's list shows it.
    listing = client.get(reverse("drafting:people-list")).content.decode()
    assert "Deactivated" in listing

    response = client.post(reverse("drafting:person-reactivate", args=[expert.pk]))
    assert response.status_code == 302
    back = Client().post(reverse("login"), {"username": expert.username, "password": PASSWORD})
    assert back.status_code == 302


def test_the_secretariat_cannot_deactivate_or_demote_itself(client, secretariat):
    make_user(Role.SECRETARIAT)  # not the last one: the refusal is about oneself
    login(client, secretariat)
    for name, data in (
        ("person-deactivate", {}),
        ("person-role", {"role": Role.EXPERT, "delegation": secretariat.profile.delegation_id}),
    ):
        response = client.post(reverse(f"drafting:{name}", args=[secretariat.pk]), data)
        assert response.status_code == 403, name
        assert "You cannot change your own role or deactivate your own account" in (
            response.content.decode().replace("&#x27;", "'")
        )
    page = client.get(reverse("drafting:person-detail", args=[secretariat.pk])).content.decode()
    assert "Deactivate the account" not in page
    assert User.objects.get(pk=secretariat.pk).is_active
    assert not AccountEvent.objects.exists()


def test_the_last_active_secretariat_member_stays(secretariat):
    """Two officers removing each other at once: the second is refused, in words."""
    other = make_user(Role.SECRETARIAT)
    stale_other = User.objects.get(pk=other.pk)  # loaded before they were deactivated
    actions.deactivate_person(other.pk, by=secretariat)
    with pytest.raises(ValidationError, match="last active member of the secretariat"):
        actions.deactivate_person(secretariat.pk, by=stale_other)
    with pytest.raises(ValidationError, match="last active member of the secretariat"):
        actions.change_role(secretariat.pk, by=stale_other, role=Role.OBSERVER, delegation_id=None)
    assert User.objects.get(pk=secretariat.pk).is_active
    assert ExpertProfile.objects.get(user=secretariat).role == Role.SECRETARIAT


def test_actions_refuse_people_who_are_not_secretariat(expert, other_expert):
    with pytest.raises(PermissionDenied):
        actions.deactivate_person(other_expert.pk, by=expert)
    with pytest.raises(PermissionDenied):
        actions.invite_person(
            by=expert,
            first_name="A",
            last_name="B",
            email="a@b.example",
            role=Role.EXPERT,
            delegation_id=None,
            site="http://x",
        )
    assert User.objects.get(pk=other_expert.pk).is_active


# --- one's own password ----------------------------------------------------------------------


def test_everyone_changes_their_own_password(client, observer):
    login(client, observer)
    page = client.get(reverse("drafting:home")).content.decode()
    assert f'href="{reverse("password-change")}"' in page
    assert f'href="{reverse("drafting:people-list")}"' not in page
    wrong = client.post(
        reverse("password-change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password-change-done")
    client.logout()
    assert not client.login(username=observer.username, password=PASSWORD)
    assert client.login(username=observer.username, password=NEW_PASSWORD)
    assert observer.account_events.get().kind == AccountEvent.Kind.PASSWORD_CHANGED


def test_a_forgotten_password_is_reset_by_email_without_saying_who_has_an_account(
    client, expert, mailoutbox
):
    expert.email = "youssef@morocco.example"
    expert.save()
    login_page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password-reset")}"' in login_page
    unknown = client.post(reverse("password-reset"), {"email": "nobody@nowhere.example"})
    known = client.post(reverse("password-reset"), {"email": "YOUSSEF@morocco.example"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("password-reset-sent")
    assert [m.to for m in mailoutbox] == [["youssef@morocco.example"]]
    done = set_password(client, link_in(mailoutbox[0]))
    assert done.status_code == 302
    assert client.login(username=expert.username, password=NEW_PASSWORD)


def test_an_invited_person_who_lost_the_email_can_ask_for_a_link_a_deactivated_one_cannot(
    client, secretariat, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, secretariat, django_capture_on_commit_callbacks)
    client.logout()
    mailoutbox.clear()
    client.post(reverse("password-reset"), {"email": "ingrid.solberg@norvania.example"})
    assert len(mailoutbox) == 1
    person = User.objects.get(email="ingrid.solberg@norvania.example")
    actions.deactivate_person(person.pk, by=secretariat)
    client.post(reverse("password-reset"), {"email": "ingrid.solberg@norvania.example"})
    assert len(mailoutbox) == 1


def test_password_reset_requests_are_rate_limited(client, expert, mailoutbox, settings):
    settings.DRAFTING_RATES = {**settings.DRAFTING_RATES, "password_resets": "3/h"}
    expert.email = "target@example.org"
    expert.save()
    for _ in range(3):
        assert (
            client.post(reverse("password-reset"), {"email": "target@example.org"}).status_code
            == 302
        )
    response = client.post(reverse("password-reset"), {"email": "target@example.org"})
    assert response.status_code == 429
    assert "faster than the site allows (3 an hour). No e-mail was sent." in (
        response.content.decode()
    )
    assert len(mailoutbox) == 3


# --- the list --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 40])
def test_people_list_query_count_does_not_grow(
    size, client, secretariat, django_assert_max_num_queries
):
    delegations = [make_delegation() for _ in range(3)]
    for n in range(size):
        make_user(Role.EXPERT, delegation=delegations[n % 3])
    make_user(None)
    login(client, secretariat)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("drafting:people-list"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/people/') >= size + 2


def test_people_list_filters_by_delegation_and_role(client, secretariat):
    norvania, other = make_delegation(name="Norvania"), make_delegation(name="Elsewhere")
    ingrid = make_user(Role.EXPERT, delegation=norvania)
    watcher = make_user(Role.OBSERVER, delegation=norvania)
    stranger = make_user(Role.EXPERT, delegation=other)
    login(client, secretariat)
    url = reverse("drafting:people-list")
    shown = client.get(url, {"delegation": norvania.pk}).context["people"]
    assert set(shown) == {ingrid, watcher}
    shown = client.get(url, {"delegation": norvania.pk, "role": Role.EXPERT}).context["people"]
    assert shown == [ingrid]
    assert stranger in client.get(url, {"role": Role.EXPERT}).context["people"]
    forged = client.get(url, {"delegation": "99999999", "role": "god"})
    assert forged.status_code == 200
    assert "That delegation does not exist" in forged.content.decode()
    assert len(forged.context["people"]) == User.objects.count()


# --- e-mail settings ------------------------------------------------------------------------


def _email_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_") and k != "DEBUG"}
    code = (
        "import drafting.settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "SECRET_KEY": "x" * 50, **env},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )


def test_email_is_printed_in_development_and_sent_by_smtp_from_the_environment():
    development = _email_settings({"DEBUG": "1"})
    assert development.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"
    production = _email_settings(
        {
            "DEBUG": "0",
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_PORT": "587",
            "EMAIL_USE_TLS": "1",
            "DEFAULT_FROM_EMAIL": "drafting@forum.example.org",
        }
    )
    assert production.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "True",
        "drafting@forum.example.org",
    ], production.stderr
    both = _email_settings({"DEBUG": "1", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"})
    assert both.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are both set" in both.stderr
