"""Small pieces every view module shares."""

from django import forms
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from drafting import limits
from drafting.forms import MAX_ID


def form_status(request: HttpRequest, form: forms.Form) -> int:
    """422 for a submitted form with errors (htmx swaps it in), 200 otherwise.

    429 when the error is a per-user rate (drafting.limits.RateLimited).
    """
    if request.method == "POST" and form.is_bound and form.errors:
        return limits.rate_limited_status(form, 422)
    return 200


def object_id(value: str) -> int:
    """An id taken from a query or form parameter; 404 for anything that cannot be one."""
    # isascii: "²" is a digit to isdigit() but not to int().
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_ID:
        raise Http404("No such item.")
    return int(value)


def place_after(request: HttpRequest, rows: QuerySet) -> tuple[Model | None, int | None]:
    """The row a new one is placed after (``after`` in the form or the query): (row, id).

    (None, None) when there is none or it is "first". A malformed id is a 404, and so
    is an unknown one on GET; on POST an id that has left ``rows`` is passed on, for
    the action to say in words that the chosen place no longer exists.
    """
    value = request.POST.get("after") or request.GET.get("after")
    if not value or value == "first":
        return None, None
    pk = object_id(value)
    row = rows.filter(pk=pk).first()
    if row is None and request.method == "GET":
        raise Http404("No such place to add it after.")
    return row, pk


def is_safe_next(request: HttpRequest, target: str) -> bool:
    """Whether ``target`` is a path on this site that a redirect or a link may lead to.

    Only a path (``/...``) passes, and only if Django's
    ``url_has_allowed_host_and_scheme`` agrees it stays on this host: that refuses
    ``//evil.example``, ``/\\evil.example`` (browsers read a backslash as a slash),
    ``javascript:`` and any other scheme, and control characters browsers would drop.
    """
    return target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go back to: the request's ``next`` (POST, then GET) if it is safe, else ``default``.

    The one place any view reads ``next``: redirects after a form and Cancel
    links on the page both take their target from here, so a crafted link can
    never send a user off the site (phishing) or run a ``javascript:`` URL.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if is_safe_next(request, target) else default
