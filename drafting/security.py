"""Security plumbing: who is asking (client IP), security event logging, login throttling.

Every security-relevant event — a failed login, a lock-out, a refused action,
a rejected form token — is written to the ``drafting.security`` logger as one
line of ``key=value`` pairs naming the user and the client IP, which the
logging configuration sends to standard output. Operators grep or ship those
lines; nothing here keeps state in the process.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from drafting.middleware import mark_seen

log = logging.getLogger("drafting.security")


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the person making the request (None if unknown).

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each of which appends the
    address it received the request from to ``X-Forwarded-For``, the client
    is the entry that the outermost trusted proxy appended. Entries further
    left were written by the client itself and could be forged, so they are
    ignored. Without trusted proxies, the socket's peer address is the client.
    """
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        # The request did not come through all the proxies: trust only the socket.
        return remote
    return _valid_ip(forwarded[-proxies]) or remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _clean(value: object) -> str:
    """One value for a log line, so no user-chosen text can fake another field or line.

    Control characters become ``?``; a value with spaces is quoted (its own
    double quotes become single quotes).
    """
    text = str(value) if value not in (None, "") else "-"
    text = "".join(ch if ch.isprintable() or ch == " " else "?" for ch in text)[:200]
    if " " in text or '"' in text or "=" in text:
        return '"' + text.replace('"', "'") + '"'
    return text


def log_event(event: str, request: HttpRequest | None, *, username: str | None = None, **extra):
    """Log one security event with the user and the client IP."""
    if username is None and request is not None:
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else "-"
    fields = {
        "event": event,
        "user": username,
        "ip": client_ip(request),
        "method": getattr(request, "method", None),
        "path": getattr(request, "path", None),
        **extra,
    }
    log.warning(" ".join(f"{key}={_clean(value)}" for key, value in fields.items()))


@receiver(user_login_failed)
def _log_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    log_event("login_failed", request, username=credentials.get("username"))


@receiver(user_logged_in)
def _log_login(sender, request: HttpRequest | None, user, **kwargs):
    if request is not None:
        mark_seen(request)
    # Not a warning sign by itself, but it closes a series of failures in the log.
    if request is not None and request.META.get("REMOTE_ADDR"):
        log.info(
            "event=login user=%s ip=%s", _clean(user.get_username()), _clean(client_ip(request))
        )


def _on_locked_out(sender, request: HttpRequest, username: str, ip_address: str, **kwargs):
    log_event("locked_out", request, username=username)


def connect_axes_signals() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_locked_out, dispatch_uid="drafting.security.locked_out")


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, skipped when there is no request to throttle.

    Django's login view, the admin login and every HTTP path pass the request,
    so they are throttled. Code that authenticates without a request (the test
    client's ``login()``, a shell session) has no client to throttle; axes would
    raise there, so this backend steps aside and the model backend decides.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username a log-in attempt is recorded under, as axes stores it.

    Django's login form passes any length of username to authentication, and
    axes would store it as it came: cut it to the longest real username and
    drop NUL characters, which PostgreSQL text cannot hold, so a junk attempt
    is still counted instead of crashing the log-in page.
    """
    if credentials and "username" in credentials:
        value = credentials.get("username")
    else:
        value = getattr(request, "POST", {}).get("username")
    return str(value or "").replace("\x00", "")[:150]


def _minutes(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


def locked_out(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """The page shown while a login is cooling off: what happened and when to try again."""
    log_event("login_refused_locked_out", request, username=(credentials or {}).get("username"))
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": _minutes(cool_off), "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
