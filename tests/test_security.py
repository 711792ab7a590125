"""Security baseline: headers, cookies, idle timeout, login throttling, error pages, logging."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.core import signing
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse

from drafting import middleware
from drafting.history import stamp
from drafting.models import Document
from drafting.security import client_ip
from drafting.settings import proxy_ssl_header
from drafting.urls import urlpatterns as app_urlpatterns
from tests.conftest import PASSWORD, login

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


# A few views that fail in each way, mounted beside the application's own URLs.
def _refuse(request):
    raise PermissionDenied("Only the secretariat approves sections.")


def _crash(request):
    raise RuntimeError("boom")


def _malformed(request):
    raise SuspiciousOperation("bad input")


def _ok(request):
    return HttpResponse("ok")


def _huge(request):
    from django.db import connection

    # What a form that forgot max_value lets through to the database.
    with connection.cursor() as cursor:
        cast = "CAST(%s AS integer)" if connection.vendor == "postgresql" else "%s"
        cursor.execute(f"SELECT {cast}", [int(request.GET["n"])])  # noqa: S608
    return HttpResponse("ok")


def _overflow_bug(request):
    raise OverflowError("math range error")  # a server bug, not bad input


urlpatterns = [
    path("test-refuse/", _refuse),
    path("test-crash/", _crash),
    path("test-malformed/", _malformed),
    path("test-ok/", _ok),
    path("test-huge/", _huge),
    path("test-overflow-bug/", _overflow_bug),
    *app_urlpatterns,
]
handler400 = "drafting.views.errors.bad_request"
handler403 = "drafting.views.errors.permission_denied"
handler500 = "drafting.views.errors.server_error"


def _security_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "drafting.security"]


# --- headers and cookies -----------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client, expert):
    response = login(client, expert).get(reverse("drafting:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_and_exports_are_never_stored(client, expert, document):
    login(client, expert)
    section = document.sections.first()
    for url, headers in [
        (reverse("drafting:home"), {}),
        (document.get_absolute_url(), {}),
        (section.get_absolute_url(), {"HX-Request": "true"}),
        (reverse("drafting:document-export", args=[document.slug, "md"]), {}),
        ("/no-such-page/", {}),
    ]:
        response = client.get(url, headers=headers)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_the_published_adopted_text_may_be_cached_for_the_public(client, secretariat, document):
    document.status = Document.Status.ADOPTED
    stamp(document, by=secretariat, reason="Adopted (test set-up).")
    document.save()
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    login(client, secretariat)
    assert "no-store" in client.get(document.get_absolute_url())["Cache-Control"]


def test_session_and_csrf_cookies_are_secure_and_http_only_in_production(client, expert):
    client.get(reverse("login"))
    assert client.cookies["csrftoken"]["secure"]
    response = client.post(reverse("login"), {"username": expert.username, "password": PASSWORD})
    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] and session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"


def test_https_is_recognised_behind_the_proxy_header(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = proxy_ssl_header("X-Forwarded-Proto: https")
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    plain = client.get(reverse("login"))
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = client.get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")
    # Load balancers probe over plain HTTP and must not be redirected.
    assert client.get("/healthz").status_code == 200


def test_https_header_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(settings):
    settings.SECURE_PROXY_SSL_HEADER = proxy_ssl_header("X-Forwarded-Proto: https")
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    direct = Client(REMOTE_ADDR="198.51.100.7")  # reached gunicorn without the proxy
    response = direct.get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301 and response["Location"].startswith("https://")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("X-Forwarded-Proto: https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("HTTP_X_FORWARDED_PROTO,https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("", None),
    ],
)
def test_proxy_ssl_header_is_read_from_the_environment(value, expected):
    assert proxy_ssl_header(value) == expected


def test_forwarded_for_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(rf, settings):
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    settings.TRUSTED_PROXIES = []
    assert client_ip(request) == "198.51.100.7"
    settings.TRUSTED_PROXIES = ["127.0.0.1/32", "10.0.0.0/8"]
    assert client_ip(request) == "198.51.100.7"  # the peer is not one of them


def test_forwarded_for_from_a_trusted_proxy_names_the_client(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32", "10.0.0.0/8"]
    one = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(one) == "203.0.113.9"  # the entry our proxy wrote, not the forged 6.6.6.6
    # Two proxies of ours (a load balancer, then nginx): skip both, from the right.
    two = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.7")
    assert client_ip(two) == "203.0.113.9"
    # No header (the proxy's own health check), or junk: the last hop we trust.
    assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
    junk = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="nonsense, 10.0.0.7")
    assert client_ip(junk) == "10.0.0.7"
    mapped = rf.get("/", REMOTE_ADDR="::ffff:127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(mapped) == "203.0.113.9"


def test_forged_forwarded_for_neither_escapes_throttling_nor_fakes_the_log(
    expert, settings, caplog
):
    caplog.set_level(logging.INFO, logger="drafting.security")
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    direct = Client(REMOTE_ADDR="198.51.100.7")  # gunicorn reached directly
    for n in range(settings.AXES_FAILURE_LIMIT):
        direct.post(
            reverse("login"),
            {"username": expert.username, "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},  # a new address every time
        )
    response = direct.post(
        reverse("login"),
        {"username": expert.username, "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.200"},
    )
    assert response.status_code == 429
    lines = [x for x in _security_lines(caplog) if "login_failed" in x]
    assert len(lines) == settings.AXES_FAILURE_LIMIT + 1
    assert all("ip=198.51.100.7" in x and "203.0.113." not in x for x in lines)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_throttling_and_log_use_the_address_a_trusted_proxy_forwards(expert, settings, caplog):
    caplog.set_level(logging.INFO, logger="drafting.security")
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    proxy = Client()  # REMOTE_ADDR 127.0.0.1: the proxy
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt_via(proxy, "203.0.113.9", expert.username, "wrong")
    assert _attempt_via(proxy, "203.0.113.9", expert.username, PASSWORD).status_code == 429
    # The same person from another address behind the same proxy is not locked out.
    assert _attempt_via(Client(), "203.0.113.10", expert.username, PASSWORD).status_code == 302
    lines = _security_lines(caplog)
    assert any(f"event=locked_out user={expert.username} ip=203.0.113.9" in x for x in lines)


def _attempt_via(client, address: str, username: str, password: str):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


# --- sessions ----------------------------------------------------------------------


def test_idle_session_is_logged_out_with_a_message(client, expert, settings):
    login(client, expert)
    home = reverse("drafting:home")
    assert client.get(home).status_code == 200

    session = client.session
    session[middleware.LAST_SEEN_KEY] -= settings.SESSION_IDLE_TIMEOUT + 5
    session.save()
    response = client.get(home, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "logged out after 60 minutes without activity" in response.content.decode()
    assert client.get(home).status_code == 302  # really logged out


def test_idle_htmx_click_sends_the_whole_page_to_the_login(client, expert, settings):
    login(client, expert)
    session = client.session
    session[middleware.LAST_SEEN_KEY] -= settings.SESSION_IDLE_TIMEOUT + 5
    session.save()
    # session.js marks the htmx requests a person started (a click, a submit).
    headers = {"HX-Request": "true", "X-Drafting-User-Action": "1"}
    response = client.get(reverse("drafting:home"), headers=headers)
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_idle_background_htmx_request_leaves_the_page_where_it_is(client, expert, settings):
    """A heartbeat or live preview must not navigate away from a form being typed in."""
    login(client, expert)
    session = client.session
    session[middleware.LAST_SEEN_KEY] -= settings.SESSION_IDLE_TIMEOUT + 5
    session.save()
    response = client.get(reverse("drafting:home"), headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "HX-Redirect" not in response
    assert client.get(reverse("drafting:home")).status_code == 302  # but logged out all the same


def test_a_session_ends_at_its_absolute_limit_however_active(client, expert, settings):
    login(client, expert)
    home = reverse("drafting:home")
    session = client.session
    session[middleware.STARTED_KEY] -= settings.SESSION_COOKIE_AGE + 5
    session.save()  # last seen just now: only the absolute limit applies
    response = client.get(home, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "a session lasts at most 12 hours" in response.content.decode()


def test_active_session_stays_logged_in(client, expert, settings):
    login(client, expert)
    session = client.session
    now = 1_900_000_000  # a named moment: the test reads no clock
    session[middleware.STARTED_KEY] = now - 3600  # well within the absolute limit
    session[middleware.LAST_SEEN_KEY] = now - (settings.SESSION_IDLE_TIMEOUT - 120)
    session.save()
    with mock.patch("drafting.middleware.time.time", return_value=now + 0.5):
        assert client.get(reverse("drafting:home")).status_code == 200
    # The clock restarted: the stored time is the time of that request.
    assert client.session[middleware.LAST_SEEN_KEY] == now


def test_password_validators_refuse_weak_passwords(expert):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["password", "12345678", "short", expert.username]:
        with pytest.raises(ValidationError):
            validate_password(weak, user=expert)
    validate_password("a-long unusual passphrase 42", user=expert)


# --- login throttling ------------------------------------------------------------------


def _attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failed_logins_cool_off_with_a_clear_message_then_recover(
    client, expert, settings, caplog
):
    caplog.set_level(logging.INFO, logger="drafting.security")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, expert.username, "wrong").status_code == 200
    locked = _attempt(client, expert.username, "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed log-in attempts" in page
    assert "paused for 15 minutes" in page

    # While cooling off, even the right password is refused, with the same message.
    refused = _attempt(client, expert.username, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session

    # Another user from the same address is not affected.
    lines = _security_lines(caplog)
    assert any(f"event=login_failed user={expert.username} ip=127.0.0.1" in x for x in lines)
    assert any(f"event=locked_out user={expert.username} ip=127.0.0.1" in x for x in lines)

    # After the cool-off, logging in works again: no permanent lock-out.
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
        attempt.save()
    response = _attempt(client, expert.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(expert.pk)


def test_lock_out_is_per_username_and_address(client, expert, other_expert, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, expert.username, "wrong")
    assert _attempt(client, expert.username, PASSWORD).status_code == 429
    # A colleague at the same address, and the same user elsewhere, can still log in.
    assert _attempt(Client(), other_expert.username, PASSWORD).status_code == 302
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert _attempt(elsewhere, expert.username, PASSWORD).status_code == 302


def _lock_out(username: str, settings, client=None) -> Client:
    attacker = client or Client()  # same address (127.0.0.1), no device cookie
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(attacker, username, "wrong")
    return attacker


def _device_client(user) -> Client:
    """A browser ``user`` logged in from before (it holds the device cookie), now logged out."""
    browser = Client()
    assert _attempt(browser, user.username, PASSWORD).status_code == 302
    browser.post(reverse("logout"))
    assert "_auth_user_id" not in browser.session
    return browser


def test_successful_log_in_gives_the_browser_a_signed_device_cookie(client, expert, settings):
    response = _attempt(client, expert.username, PASSWORD)
    cookie = response.cookies[settings.LOGIN_DEVICE_COOKIE_NAME]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 180 * 86400
    assert expert.username not in cookie.value  # it does not say who logs in here
    # Logging in again keeps the same device (its throttling record stays its own).
    client.post(reverse("logout"))
    again = _attempt(client, expert.username, PASSWORD).cookies[settings.LOGIN_DEVICE_COOKIE_NAME]
    assert (
        signing.loads(again.value, salt="drafting.security.device")["n"]
        == signing.loads(cookie.value, salt="drafting.security.device")["n"]
    )


def test_someone_elses_failures_from_the_same_address_do_not_lock_out_a_known_browser(
    expert, settings, caplog
):
    caplog.set_level(logging.INFO, logger="drafting.security")
    browser = _device_client(expert)
    attacker = _lock_out(expert.username, settings)
    assert _attempt(attacker, expert.username, PASSWORD).status_code == 429
    # The delegate, on the laptop they logged in from yesterday, at the same Wi-Fi:
    response = _attempt(browser, expert.username, PASSWORD)
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(expert.pk)
    # ... which does not lift the attacker's lock-out.
    assert _attempt(attacker, expert.username, PASSWORD).status_code == 429
    assert any("scope=address" in x for x in _security_lines(caplog) if "event=locked_out" in x)


def test_without_a_device_cookie_the_address_is_still_throttled(expert, other_expert, settings):
    _device_client(expert)  # a cookie on another browser does not help this one
    _lock_out(expert.username, settings)
    assert _attempt(Client(), expert.username, PASSWORD).status_code == 429
    # Nor does a device cookie of another person, or a forged one.
    colleague = _device_client(other_expert)
    assert _attempt(colleague, expert.username, PASSWORD).status_code == 429
    forged = Client()
    forged.cookies[settings.LOGIN_DEVICE_COOKIE_NAME] = signing.dumps(
        {"u": "x", "n": "y"}, salt="drafting.security.device", key="not-the-secret-key"
    )
    assert _attempt(forged, expert.username, PASSWORD).status_code == 429


def test_a_known_browser_is_still_limited_to_the_failure_limit(expert, settings, caplog):
    caplog.set_level(logging.INFO, logger="drafting.security")
    browser = _device_client(expert)  # or a stolen cookie
    _lock_out(expert.username, settings, client=browser)
    locked = _attempt(browser, expert.username, PASSWORD)
    assert locked.status_code == 429
    assert "from this browser" in locked.content.decode()
    assert any("scope=device" in x for x in _security_lines(caplog) if "event=locked_out" in x)
    # The records name the device, never the cookie itself.
    (record,) = AccessAttempt.objects.filter(username=expert.username)
    cookie = browser.cookies[settings.LOGIN_DEVICE_COOKIE_NAME].value
    assert record.user_agent.startswith("device:") and cookie not in record.user_agent


def test_attempts_during_a_cool_off_do_not_extend_it(expert, settings):
    attacker = _lock_out(expert.username, settings)

    def age(minutes: int) -> None:
        for attempt in AccessAttempt.objects.all():
            attempt.attempt_time -= timedelta(minutes=minutes)
            attempt.save()

    age(10)
    assert _attempt(attacker, expert.username, "still wrong").status_code == 429
    age(6)  # 16 minutes after the lock-out, 6 after the last try
    assert _attempt(Client(), expert.username, PASSWORD).status_code == 302


def test_junk_usernames_are_refused_and_counted_not_crashed(client):
    for junk in ["x" * 5000, "nul\x00byte", "\u202e" * 300]:
        response = _attempt(client, junk, "whatever")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    # Counted towards throttling under a name the database can hold.
    assert AccessAttempt.objects.get(username="x" * 150).failures_since_start == 1


def test_test_client_login_still_works_without_a_request(client, expert):
    # The throttling backend steps aside when there is no request (tests, shell).
    assert client.login(username=expert.username, password=PASSWORD)
    assert not Client().login(username=expert.username, password="wrong")


# --- error pages and refused actions ---------------------------------------------------


@pytest.mark.urls("tests.test_security")
def test_refused_action_shows_the_rule_and_is_logged(client, observer, caplog):
    caplog.set_level(logging.INFO, logger="drafting.security")
    response = login(client, observer).get("/test-refuse/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only the secretariat approves sections." in page
    assert "drafting/app." in page and response["Content-Security-Policy"]
    assert any(
        f"event=refused user={observer.username} ip=127.0.0.1" in line
        and "path=/test-refuse/" in line
        for line in _security_lines(caplog)
    )


@pytest.mark.urls("tests.test_security")
def test_server_error_page_is_styled_and_says_what_to_do(client):
    client.raise_request_exception = False
    response = client.get("/test-crash/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and "drafting/app." in page
    assert "style=" not in page and "<script" not in page
    assert response["Content-Security-Policy"]


@pytest.mark.urls("tests.test_security")
def test_numbers_the_database_cannot_hold_are_a_bad_request_not_a_crash(client, caplog):
    caplog.set_level(logging.INFO, logger="drafting.security")
    client.raise_request_exception = False
    response = client.get("/test-huge/", {"n": "9" * 40})
    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()
    assert any("event=bad_input" in line for line in _security_lines(caplog))
    # Other overflows are real bugs and stay 500s.
    assert client.get("/test-overflow-bug/").status_code == 500


@pytest.mark.urls("tests.test_security")
def test_bad_request_page(client):
    response = client.get("/test-malformed/")
    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()


def test_not_found_page_is_styled(client, expert):
    response = login(client, expert).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page and "drafting/app." in page
    assert response["Content-Security-Policy"]


def test_form_token_failure_is_explained_and_logged(expert, caplog):
    caplog.set_level(logging.INFO, logger="drafting.security")
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": expert.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "nothing was saved" in response.content.decode()
    assert any("event=csrf_refused" in line for line in _security_lines(caplog))
    assert "_auth_user_id" not in client.session


def test_log_lines_cannot_be_forged_through_the_username(client, caplog):
    caplog.set_level(logging.INFO, logger="drafting.security")
    _attempt(client, "mallory\nevent=login user=admin", "x")
    (line,) = [x for x in _security_lines(caplog) if "login_failed" in x]
    assert "\n" not in line and 'user="mallory?event=login user=admin" ip=' in line


# --- health ------------------------------------------------------------------------------


def test_healthz_answers_without_a_login_or_a_session(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_says_503_when_the_database_is_unreachable(client):
    with mock.patch(
        "drafting.views.health.connection.cursor", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


# --- deployment settings -------------------------------------------------------------------

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "kq3v-7Yt0pXz_8mJw2LrNc5hBd9sFg1aQe4uVy6iOo0TjK3lWx8",
    "ALLOWED_HOSTS": "drafting.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://drafting.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
    "SECURE_SSL_REDIRECT": "1",
    "TRUSTED_PROXIES": "127.0.0.1",
}


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never does.
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "CSRF_TRUSTED_ORIGINS"}
    unset |= {"SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"}
    unset |= {"TRUSTED_PROXIES", "TRUSTED_PROXY_COUNT"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_proxy_settings_and_cookie_security_come_from_the_environment():
    code = (
        "import drafting.settings as s; print(s.CSRF_TRUSTED_ORIGINS, s.SECURE_PROXY_SSL_HEADER, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    production = _run(["-c", code], PRODUCTION_ENV)
    assert production.stdout.split("\n")[0] == (
        "['https://drafting.example.org'] ('HTTP_X_FORWARDED_PROTO', 'https') True True True False"
    ), production.stderr
    development = _run(["-c", code], {"DEBUG": "1"})
    assert development.stdout.split("\n")[0] == "[] None False False False True"


def test_check_deploy_reports_nothing_with_the_production_environment():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "unset, says",
    [
        (["SECRET_KEY"], "SECRET_KEY is not set"),
        (["ALLOWED_HOSTS"], "ALLOWED_HOSTS is not set"),
        (["SECRET_KEY", "ALLOWED_HOSTS"], "SECRET_KEY and ALLOWED_HOSTS are not set"),
    ],
)
def test_serve_refuses_to_start_and_says_what_is_missing(unset, says):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in unset}
    result = _run(["-m", "drafting.serving"], env)
    assert result.returncode == 2
    assert f"Refusing to start: {says}." in result.stderr


def test_makefile_serve_runs_the_serving_module_with_gunicorn():
    makefile = (ROOT / "Makefile").read_text()
    assert "\nserve: $(STAMP)\n\t$(BIN)/python -m drafting.serving" in makefile
    from drafting.serving import gunicorn_command

    command = gunicorn_command({"BIND": "0.0.0.0:9000", "WEB_CONCURRENCY": "4"})
    assert command[0].endswith("gunicorn") and "drafting.wsgi:application" in command
    assert command[command.index("--bind") + 1] == "0.0.0.0:9000"
    assert command[command.index("--workers") + 1] == "4"


@pytest.mark.parametrize(
    "env, says",
    [
        ({"TRUSTED_PROXY_COUNT": "1"}, "TRUSTED_PROXY_COUNT is no longer read"),
        ({"TRUSTED_PROXIES": ""}, "SECURE_PROXY_SSL_HEADER is set but TRUSTED_PROXIES is not"),
        ({"TRUSTED_PROXIES": "proxy.internal"}, "'proxy.internal' is not an IP address"),
        ({"TRUSTED_PROXIES": "*"}, "TRUSTED_PROXIES cannot be '*'"),
    ],
)
def test_proxy_settings_that_would_trust_the_wrong_peers_refuse_to_start(env, says):
    result = _run(["manage.py", "check"], {**PRODUCTION_ENV, **env})
    assert result.returncode != 0
    assert says in result.stderr
