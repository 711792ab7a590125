"""Middleware: the Content-Security-Policy header, session time limits, bad input -> 400."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import Resolver404, ResolverMatch, resolve
from django_htmx.http import HttpResponseClientRedirect

from drafting import kept_text

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
# When the person logged in: SESSION_COOKIE_AGE counts from here, however active they are.
STARTED_KEY = "drafting_session_started"
# Refresh the stored timestamp at most this often, so that reading a page does
# not write the session row on every request.
_REFRESH_SECONDS = 60
# session.js asks this view whether the session is still alive: the answer is a
# 401, never a redirect to the log-in page.
KEEP_ALIVE_VIEW = "drafting:session-keep-alive"
LOGIN_VIEW = "login"


class SessionIdleTimeoutMiddleware:
    """Logs a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a request,
    and ``SESSION_COOKIE_AGE`` seconds after logging in whatever they do.

    The times live in the session (in the database), so every application process
    applies the same limits. A form posted after the session ended changes nothing
    but is not lost: once the CSRF check has passed (``process_view``), its text is
    kept for the person to find back after logging in again (``drafting.kept_text``).
    A request a script makes in the background gets a 401 instead of a redirect,
    so the page being typed in stays where it is.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            now = int(time.time())
            why = _why_ended(session, now)
            if why is not None:
                return self._end_session(request, why)
            if session.get(STARTED_KEY) is None:
                # A session from before the absolute limit existed: it starts counting now.
                session[STARTED_KEY] = now
            last_seen = session.get(LAST_SEEN_KEY)
            if last_seen is None or now - int(last_seen) >= _REFRESH_SECONDS:
                session[LAST_SEEN_KEY] = now
        response = self.get_response(request)
        logged_out = getattr(request, kept_text.LOGGED_OUT_ATTR, None)
        if logged_out is not None and session is not None and not session.get(SESSION_KEY):
            # Someone logged out (the log-out view): text posted later from a tab
            # they left open is still theirs, not the next person's.
            kept_text.remember_previous_user(request, logged_out)
        return response

    def _end_session(self, request: HttpRequest, why: str) -> HttpResponse:
        match = _resolve(request)
        if not kept_text.is_user_action(request) or (
            match is not None and match.view_name == KEEP_ALIVE_VIEW
        ):
            # A script asking in the background (heartbeat, preview, keep-alive): say
            # so and change nothing. The page stays as it is, and two such requests at
            # once do not each start a new session, of which the browser keeps one.
            # The next request the person makes ends the session.
            return kept_text.session_expired_response()
        user_id = request.session.get(SESSION_KEY)
        # logout() empties the session; text kept earlier and not yet offered back
        # (bound to its author) must outlive this timeout too.
        earlier = request.session.get(kept_text.KEPT_KEY)
        logout(request)
        if earlier:
            request.session[kept_text.KEPT_KEY] = earlier
        kept_text.remember_previous_user(request, user_id)
        messages.info(request, why)
        if match is not None and match.view_name == LOGIN_VIEW:
            return self.get_response(request)  # the log-in form itself, with the message
        if request.method == "POST" and kept_text.is_app_view(match):
            # Decided in process_view, after the CSRF check (or on the CSRF failure
            # page): only a form from this site may leave text in the session.
            setattr(request, kept_text.ENDED_USER_ATTR, user_id)
            return self.get_response(request)
        if request.method in ("GET", "HEAD"):
            next_page: str | None = request.get_full_path()
        else:
            next_page = kept_text.return_page(request)
        login = (
            redirect_to_login(next_page)
            if next_page
            else HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
        )
        if request.headers.get("HX-Request") == "true":
            # An htmx request would swap the login page into a fragment:
            # send the whole page there instead.
            return HttpResponseClientRedirect(login["Location"])
        return login

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        """A form posted to the application without a logged-in user: keep it, then log in.

        Runs after ``CsrfViewMiddleware.process_view`` (it comes later in
        MIDDLEWARE), so the post is known to come from a page of this site.
        """
        if request.method != "POST" or not kept_text.is_app_view(request.resolver_match):
            return None
        if request.user.is_authenticated:
            return None
        user_id = getattr(request, kept_text.ENDED_USER_ATTR, None) or kept_text.previous_user(
            request
        )
        return kept_text.keep_and_send_back(request, user_id=user_id)


def _why_ended(session, now: int) -> str | None:
    """Why this logged-in session is over (a message for the person), or None."""
    started = session.get(STARTED_KEY)
    if started is not None and now - int(started) > settings.SESSION_COOKIE_AGE:
        hours = max(1, settings.SESSION_COOKIE_AGE // 3600)
        return (
            f"You were logged out because a session lasts at most {hours} hours. "
            "Please log in again."
        )
    last_seen = session.get(LAST_SEEN_KEY)
    if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT:
        minutes = max(1, settings.SESSION_IDLE_TIMEOUT // 60)
        return f"You were logged out after {minutes} minutes without activity. Please log in again."
    return None


def _resolve(request: HttpRequest) -> ResolverMatch | None:
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def mark_seen(request: HttpRequest) -> None:
    """Start the idle clock and the session's absolute limit at login."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[LAST_SEEN_KEY] = now
        session[STARTED_KEY] = now


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
