"""Middleware: the Content-Security-Policy header, the session idle timeout, bad input -> 400."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

# Only our own files: vendored htmx and app.js, app.css. No inline script or
# style, no eval (htmx runs with allowEval false), no plugins, no framing, and
# forms may only post back to this site.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sets the Content-Security-Policy on every response, error pages included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


LAST_SEEN_KEY = "drafting_last_seen"
# Refresh the stored timestamp at most this often, so that reading a page does
# not write the session row on every request.
_REFRESH_SECONDS = 60


class SessionIdleTimeoutMiddleware:
    """Logs a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a request.

    The last-seen time lives in the session (in the database), so every
    application process applies the same timeout. ``SESSION_COOKIE_AGE`` still
    caps the session's total length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            now = int(time.time())
            last_seen = session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                minutes = max(1, settings.SESSION_IDLE_TIMEOUT // 60)
                messages.info(
                    request,
                    f"You were logged out after {minutes} minutes without activity. "
                    "Please log in again.",
                )
                login = redirect_to_login(request.get_full_path())
                if request.headers.get("HX-Request") == "true":
                    # An htmx request would swap the login page into a fragment:
                    # send the whole page there instead.
                    return HttpResponseClientRedirect(login["Location"])
                return login
            if last_seen is None or now - int(last_seen) >= _REFRESH_SECONDS:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)


def mark_seen(request: HttpRequest) -> None:
    """Start the idle clock at login, so the first page after it writes nothing."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_SEEN_KEY] = int(time.time())


def _unstorable_input(error: BaseException) -> bool:
    """Did the database refuse a value from the request as impossible to store?

    SQLite: a Python int beyond 64 bits. PostgreSQL: a number out of its column's
    range (SQLSTATE 22003), or a NUL character in text.
    """
    if isinstance(error, OverflowError):
        return "SQLite INTEGER" in str(error)
    if isinstance(error, DataError):
        return getattr(error.__cause__, "pgcode", None) == "22003"
    if isinstance(error, ValueError):
        return "NUL (0x00)" in str(error)
    return False


class BadInputMiddleware:
    """A value the database cannot hold is a bad request (400), never a server error.

    Forms should refuse such values themselves, with a message next to the field;
    this is the safety net for any that do not. Whatever the view was doing ran
    in its transaction and was rolled back. The traceback is logged so the form
    can be fixed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _unstorable_input(exception):
            return None
        from drafting.security import log_event
        from drafting.views.errors import bad_request

        log_event("bad_input", request, error=type(exception).__name__)
        logging.getLogger("django.request").error(
            "Unstorable input refused with 400 (a form should validate it): %s",
            request.path,
            exc_info=exception,
        )
        return bad_request(request, exception)
