"""Security plumbing: who is asking (client IP), security event logging, login throttling.

Every security-relevant event — a failed login, a lock-out, a refused action,
a rejected form token — is written to the ``drafting.security`` logger as one
line of ``key=value`` pairs naming the user and the client IP, which the
logging configuration sends to standard output. Operators grep or ship those
lines; nothing here keeps state in the process.

Forwarded headers (``X-Forwarded-For``, the https header) are believed only
from the peers in ``TRUSTED_PROXIES``. Log-in throttling is django-axes by
username and address, plus OWASP's device cookies: a browser a person has
logged in from is trusted for that person, whose failures there are counted
for that browser alone.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac

from drafting.middleware import mark_seen

log = logging.getLogger("drafting.security")

# --- who is asking ---------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def is_trusted_proxy(address: str | None) -> bool:
    """Whether ``address`` (a valid IP, or None) is one of ``settings.TRUSTED_PROXIES``."""
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the person making the request (None if unknown).

    ``X-Forwarded-For`` is read only when the socket's peer is a trusted proxy
    (``TRUSTED_PROXIES``); from anyone else it is the client's own words and is
    ignored. Read from the right, each trusted proxy's entry names the hop
    before it; the first address that is not a trusted proxy is the client.
    Entries further left were written by the client and could be forged.
    """
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    if not is_trusted_proxy(remote):
        return remote
    client = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for entry in reversed(forwarded):
        address = _valid_ip(entry)
        if address is None:
            break  # not written by a proxy of ours: stop at the last hop we trust
        client = address
        if not is_trusted_proxy(address):
            break
    return client


def _valid_ip(value: str) -> str | None:
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the IPv4 address.
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


# Request headers only a proxy may set (plus SECURE_PROXY_SSL_HEADER's, added when set).
_FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")


class ForwardedHeadersMiddleware:
    """Drops forwarded headers a client sent itself, before anything reads them.

    Unless the socket's peer is in ``TRUSTED_PROXIES``, ``X-Forwarded-For`` and
    friends and the ``SECURE_PROXY_SSL_HEADER`` header are removed, so a client
    reaching gunicorn directly can neither pose as another address nor make a
    plain-HTTP request look like HTTPS to Django.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(_valid_ip(request.META.get("REMOTE_ADDR", ""))):
            names = list(_FORWARDED_HEADERS)
            if settings.SECURE_PROXY_SSL_HEADER:
                names.append(settings.SECURE_PROXY_SSL_HEADER[0])
            for name in names:
                request.META.pop(name, None)
        return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    """``Cache-Control: no-store, private`` on every response to a signed-in user.

    Drafts, their history and their exports are for the people with a role:
    no browser cache (a shared computer's back button) or proxy may keep a
    copy. Anonymous responses — the published, adopted text — are left
    cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


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
    scope = "device" if device_marker(request, username) else "address"
    log_event("locked_out", request, username=username, scope=scope)


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


# --- device cookies (OWASP "Slow down online guessing attacks with device cookies") -----------

_DEVICE_SALT = "drafting.security.device"


def _user_tag(username: str) -> str:
    # The cookie names its user by a keyed hash: it does not tell who logs in on this browser.
    return salted_hmac(_DEVICE_SALT + ".user", username).hexdigest()[:32]


def _device_nonce(request: HttpRequest, username: str) -> str | None:
    """The nonce of a valid, unexpired device cookie issued to ``username``, else None."""
    value = request.COOKIES.get(settings.LOGIN_DEVICE_COOKIE_NAME)
    if not value or not username:
        return None
    try:
        data = signing.loads(value, salt=_DEVICE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != _user_tag(username):
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) and nonce else None


def device_marker(request: HttpRequest | None, username: str | None) -> str | None:
    """What log-in attempts from ``username``'s trusted browser are counted under, or None.

    A browser is trusted for a person once they have logged in from it (it holds
    the signed cookie ``remember_device`` set). The marker is a keyed hash of
    the cookie's nonce: stored in the throttling records, it cannot be turned
    back into a cookie nor guessed by someone without it.
    """
    if request is None or not username:
        return None
    nonce = _device_nonce(request, username)
    if nonce is None:
        return None
    return "device:" + salted_hmac(_DEVICE_SALT, nonce).hexdigest()[:40]


def remember_device(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a successful log-in: give this browser (or renew) its device cookie for ``username``.

    Signed and dated with SECRET_KEY (so it cannot be forged or made for
    another person), HttpOnly, Secure like the session cookie, kept
    ``LOGIN_DEVICE_DAYS``. A browser keeps one: the person who last logged in.
    """
    nonce = _device_nonce(request, username) or secrets.token_urlsafe(18)
    value = signing.dumps({"u": _user_tag(username), "n": nonce}, salt=_DEVICE_SALT)
    response.set_cookie(
        settings.LOGIN_DEVICE_COOKIE_NAME,
        value,
        max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class DeviceAwareAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, with OWASP's device cookies.

    Without a device cookie for the username tried, attempts are throttled as
    ``AXES_LOCKOUT_PARAMETERS`` says (username and address). With one, they are
    recorded under the device's marker (in axes' ``user_agent`` column) and only
    that browser's failures count: someone else's wrong passwords from the same
    address (shared Wi-Fi) cannot lock its owner out, and guessing from a
    stolen cookie is still limited to ``AXES_FAILURE_LIMIT`` per cool-off.
    """

    def filter_user_attempts(self, request: HttpRequest, credentials: dict | None = None):
        username = get_client_username(request, credentials)
        marker = device_marker(request, username)
        if marker is None:
            return super().filter_user_attempts(request, credentials)
        return [AccessAttempt.objects.filter(username=username, user_agent=marker)]

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        marker = request is not None and device_marker(
            request, get_client_username(request, credentials)
        )
        if not marker:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        # axes records the failure under (username, address, user agent): file it under the
        # device instead, for this call only (the access log keeps the real user agent).
        real_user_agent, request.axes_user_agent = request.axes_user_agent, marker
        try:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            request.axes_user_agent = real_user_agent


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
        {
            "minutes": _minutes(cool_off),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "on_this_browser": device_marker(request, login_username(request, credentials))
            is not None,
        },
        status=429,
    )
