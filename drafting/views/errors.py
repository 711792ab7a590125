"""Error pages: 400, 403 (saying which rule refused), 404, 500 and form-token failures.

The 403 and CSRF handlers also write a security log line naming the user and IP.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseServerError,
)
from django.template import loader

from drafting import kept_text
from drafting.security import log_event


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # No request context: a malformed request may not have a usable session.
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 403 page with the rule's own words (``permissions.refuse_if`` raises them).

    An anonymous visitor is sent to the login page instead: every rule that refuses
    them is lifted by logging in with a role, so this is the one place that turns a
    refusal into that redirect (views need no ``redirect_to_login`` of their own).
    """
    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    reason = str(exception) if exception is not None else ""
    log_event("refused", request, reason=reason[:120] or "-")
    return HttpResponseForbidden(
        loader.render_to_string("403.html", {"exception": reason}, request=request)
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Refuse the post; a form of this site opened before logging in again keeps its text."""
    log_event("csrf_refused", request, reason=reason)
    kept = kept_text.after_csrf_failure(request, reason)
    if kept is not None:
        return kept
    message = (
        "This form had expired or did not come from this site, so nothing was saved. "
        "Go back, reload the page and try again."
    )
    return HttpResponseForbidden(
        loader.render_to_string("403.html", {"exception": message}, request=request)
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context or database access: the database may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
