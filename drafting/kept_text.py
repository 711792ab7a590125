"""Typed text that an expired session would otherwise throw away.

A form posted after the session ended (idle timeout, the absolute session limit,
a log-out in another tab) changes nothing. Its fields are kept in the browser's
session, bound to the person who was logged in, and offered back on the page the
form was on once that person has logged in again: a banner shows the text, and
``static/drafting/session.js`` puts it back in the form. Nothing is resubmitted
automatically: the person checks the form and submits it again, so permission
and revision checks run on a conscious submission.

The middleware (``drafting.middleware``) and the form-token failure page
(``views.errors.csrf_failure``) call :func:`keep_and_send_back`; base.html shows
the offer through the :func:`offers` context processor.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import ResolverMatch
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

KEPT_KEY = "drafting_kept"
# Who was logged in before the session ended, so that text posted from a stale
# tab is offered back to that person only.
PREVIOUS_USER_KEY = "drafting_previous_user"
# Request attributes: the user whose session the middleware just ended, and the
# user the log-out view just logged out (set by the user_logged_out signal).
ENDED_USER_ATTR = "drafting_ended_user"
LOGGED_OUT_ATTR = "drafting_logged_out_user"
# session.js marks htmx requests a person started (a click or a submit); polling,
# live previews and presence heartbeats go without it.
USER_ACTION_HEADER = "X-Drafting-User-Action"
# Bounds on what one browser session can hold, whoever sends the posts.
MAX_KEPT = 3
MAX_BYTES = 64 * 1024

_NEVER_KEPT = {"csrfmiddlewaretoken"}


@dataclass
class KeptSubmission:
    """One form post that was not saved: where it came from and what it said."""

    action: str  # the path the form posted to
    page: str | None  # the page the form was on (path and query), if known
    at: int  # when it arrived, seconds since the epoch
    fields: dict[str, list[str]]
    user_id: str | None  # the session's user key of the person who typed it, if known
    dropped: list[str] = field(default_factory=list)  # fields too large (or files) to keep

    @property
    def time(self) -> str:
        """HH:MM in the site's time zone, as the banner says it."""
        return timezone.localtime(datetime.fromtimestamp(self.at, tz=UTC)).strftime("%H:%M")

    @property
    def fields_json(self) -> str:
        """The fields for session.js; autoescaping makes it safe in an attribute."""
        return json.dumps(self.fields)

    @property
    def shown_fields(self) -> list[tuple[str, str]]:
        """(label, text) of every field with something in it, for reading without JavaScript."""
        return [
            (name.replace("_", " ").capitalize(), "\n".join(values))
            for name, values in self.fields.items()
            if any(v.strip() for v in values)
        ]

    def size(self) -> int:
        return _size(self.fields)


def _size(fields: dict[str, list[str]]) -> int:
    return sum(len(name) + sum(len(v.encode()) for v in values) for name, values in fields.items())


def _load(session) -> list[KeptSubmission]:
    rows = session.get(KEPT_KEY) or []
    kept = []
    for row in rows:
        try:
            kept.append(KeptSubmission(**row))
        except TypeError:
            continue  # written by another version of this module: not worth a 500
    return kept


def _store(session, kept: list[KeptSubmission]) -> None:
    if kept:
        session[KEPT_KEY] = [asdict(k) for k in kept]
    else:
        session.pop(KEPT_KEY, None)


def is_app_view(match: ResolverMatch | None) -> bool:
    """Is this one of the application's own pages (not the admin, log-in or log-out)?"""
    return match is not None and "drafting" in match.namespaces


def is_user_action(request: HttpRequest) -> bool:
    """Did a person start this request (a page load, a click, a submit)?

    htmx requests count only when session.js marked them: a background request
    after the session ended must not navigate away from a form being typed in.
    """
    if request.headers.get("HX-Request") != "true":
        return True
    return request.headers.get(USER_ACTION_HEADER) == "1"


def return_page(request: HttpRequest) -> str | None:
    """The page (path and query) the request came from, if it was on this site."""
    login_path = resolve_url(settings.LOGIN_URL)
    for url in (request.headers.get("HX-Current-URL"), request.headers.get("Referer")):
        if not url or not url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            continue
        parts = urlsplit(url)
        page = parts.path + (f"?{parts.query}" if parts.query else "")
        # The path alone must stay on this site too ("//elsewhere.example/" would not).
        if (
            not parts.path.startswith("/")
            or parts.path == login_path
            or not url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()})
        ):
            continue
        return page
    return None


def keep(request: HttpRequest, *, user_id: str | None) -> KeptSubmission | None:
    """Keep the fields of this POST in the session (None if there was nothing to keep).

    Never the form token or a password. The newest submission is kept whole up to
    ``MAX_BYTES``; older ones make room for it. Files cannot be kept: their field
    names are listed so the banner can say so.
    """
    fields: dict[str, list[str]] = {}
    dropped: list[str] = []
    budget = MAX_BYTES
    for name, values in request.POST.lists():
        if name in _NEVER_KEPT or "password" in name.lower():
            continue
        cost = _size({name: values})
        if cost > budget:
            dropped.append(name)
            continue
        fields[name] = list(values)
        budget -= cost
    dropped += list(request.FILES)
    if not any(v.strip() for values in fields.values() for v in values) and not dropped:
        return None
    submission = KeptSubmission(
        action=request.path,
        page=return_page(request),
        at=int(time.time()),
        fields=fields,
        user_id=user_id,
        dropped=dropped,
    )
    kept = [*_load(request.session), submission]
    while len(kept) > MAX_KEPT or sum(k.size() for k in kept) > MAX_BYTES:
        kept.pop(0)
    _store(request.session, kept)
    return submission


def keep_and_send_back(request: HttpRequest, *, user_id: str | None) -> HttpResponse:
    """Answer a POST that cannot be saved because the session ended: keep it, say so.

    A logged-out person goes to the log-in page, which returns them to the page the
    form was on; someone still logged in (their form token went stale when they
    logged in again in another tab) goes straight back to that page.
    """
    if not is_user_action(request):
        # A live preview or a heartbeat: keep nothing half-typed and stay on the page,
        # where session.js tells the person what happened.
        return session_expired_response()
    submission = keep(request, user_id=user_id)
    page = submission.page if submission else return_page(request)
    if request.user.is_authenticated:
        if not submission:
            messages.info(
                request,
                "This page was opened before you last logged in, so nothing was done. "
                "Please try again.",
            )
        target = page or resolve_url(settings.LOGIN_REDIRECT_URL)
    else:
        if submission:
            messages.warning(
                request,
                "Nothing was saved because your session had expired. What you typed has been "
                "kept: log in again and it will be put back in the form.",
            )
        else:
            messages.info(request, "You are not logged in, so nothing was saved.")
        target = redirect_to_login(page)["Location"] if page else resolve_url(settings.LOGIN_URL)
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)


def after_csrf_failure(request: HttpRequest, reason: str) -> HttpResponse | None:
    """Keep the text of a form from this site whose token no longer matches (else None).

    Logging in gives the browser a new form token, so a form opened before the
    person logged in again (in another tab, after their session expired) fails the
    CSRF check. Django tests the origin before the token, so a reason about the
    token means the origin was acceptable; the Origin header is checked again here
    because Django skips that check over plain HTTP without one. A cross-site post
    never gets this far, so no other site can put text into someone's form.
    """
    if request.method != "POST" or not reason.startswith("CSRF token"):
        return None
    if not _same_origin(request) or not is_app_view(getattr(request, "resolver_match", None)):
        return None
    if request.user.is_authenticated:
        if not is_user_action(request):
            return None  # a heartbeat with the old token: refused as before, nothing to keep
        user_id: str | None = str(request.user.pk)
    else:
        user_id = getattr(request, ENDED_USER_ATTR, None) or previous_user(request)
    return keep_and_send_back(request, user_id=user_id)


def _same_origin(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if not origin:
        return False
    return origin == f"{request.scheme}://{request.get_host()}" or (
        origin in settings.CSRF_TRUSTED_ORIGINS
    )


def session_expired_response() -> HttpResponse:
    """401 for requests made by scripts (htmx, session.js): the page stays as it is."""
    return HttpResponse(
        "Your session has expired. Log in again in another tab; your text is still here.",
        status=401,
        content_type="text/plain; charset=utf-8",
    )


def remember_previous_user(request: HttpRequest, user_id: str | None) -> None:
    """Called right after a log-out: text posted later from this browser stays that person's."""
    if user_id is not None:
        request.session[PREVIOUS_USER_KEY] = str(user_id)


def previous_user(request: HttpRequest) -> str | None:
    """The person last logged in in this browser session, if known."""
    value = request.session.get(PREVIOUS_USER_KEY)
    return str(value) if value is not None else None


@receiver(user_logged_out, dispatch_uid="drafting.kept_text.logged_out")
def _note_log_out(sender, request: HttpRequest | None, user, **kwargs) -> None:
    # The session is flushed right after this signal; the middleware writes the
    # note into the new one once the view has finished.
    if request is not None and user is not None:
        setattr(request, LOGGED_OUT_ATTR, str(user.pk))


@receiver(user_logged_in, dispatch_uid="drafting.kept_text.claim")
def _claim_at_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """At log-in, keep only the text this person typed.

    Django's ``login()`` keeps the data of an anonymous session, so text kept
    while logged out survives logging in. Text someone else typed in this browser
    is dropped, never shown. Text whose author is unknown (the browser had lost
    its session cookie altogether) was typed in this browser moments ago and goes
    to whoever logs in now.
    """
    session = getattr(request, "session", None)
    if session is None:
        return
    session.pop(PREVIOUS_USER_KEY, None)
    kept = _load(session)
    if not kept:
        return
    me = str(user.pk)
    mine = []
    for submission in kept:
        if submission.user_id is None:
            submission.user_id = me
        if submission.user_id == me:
            mine.append(submission)
    _store(session, mine)


class Offers:
    """What base.html may offer back on this page. Taking the offer consumes it."""

    def __init__(self, request: HttpRequest):
        self.request = request

    def _mine(self) -> list[KeptSubmission]:
        request = self.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return []
        return [k for k in _load(request.session) if k.user_id == str(user.pk)]

    def _belongs_here(self, submission: KeptSubmission) -> bool:
        return submission.page is None or urlsplit(submission.page).path == self.request.path

    @cached_property
    def here(self) -> KeptSubmission | None:
        """The text kept from a form on this page, removed from the session as it is shown."""
        request = self.request
        if request.method != "GET" or request.headers.get("HX-Request") == "true":
            return None
        for submission in self._mine():
            if self._belongs_here(submission):
                remaining = [k for k in _load(request.session) if k != submission]
                _store(request.session, remaining)
                return submission
        return None

    @cached_property
    def elsewhere(self) -> list[KeptSubmission]:
        """Kept text that belongs on other pages (shown as links, not consumed)."""
        return [k for k in self._mine() if not self._belongs_here(k)]


def offers(request: HttpRequest) -> dict[str, object]:
    """Context processor: the offers (lazy: nothing is read unless base.html asks) and
    the idle timeout, from which session.js paces its keep-alive requests."""
    return {"kept_text": Offers(request), "session_idle_seconds": settings.SESSION_IDLE_TIMEOUT}
