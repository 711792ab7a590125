"""The session seen from a page: is it still alive? (``static/drafting/session.js`` asks.)"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from drafting import kept_text


@never_cache
@require_safe
def keep_alive(request: HttpRequest) -> HttpResponse:
    """204 while logged in, 401 once the session has ended; never a redirect.

    Reaching this view restarts the idle clock (SessionIdleTimeoutMiddleware does
    that for every request). session.js calls it while someone types in a form, at
    most every few minutes, so typing counts as activity; the absolute session
    limit still applies. The answer carries the current form token: after logging
    in again in another tab, the forms already on the page get the new one.
    """
    if not request.user.is_authenticated:
        return kept_text.session_expired_response()
    response = HttpResponse(status=204)
    response["X-CSRFToken"] = get_token(request)
    return response
