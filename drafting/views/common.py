"""Small pieces every view module shares."""

from django import forms
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from drafting import permissions
from drafting.forms import MAX_ID
from drafting.models import Section


def form_status(request: HttpRequest, form: forms.Form) -> int:
    """422 for a submitted form with errors (htmx swaps it in), 200 otherwise."""
    return 422 if request.method == "POST" and form.is_bound and form.errors else 200


def require_can_edit(user, section: Section) -> None:
    """403 with the rule's own words unless ``user`` may edit ``section`` directly."""
    reason = permissions.why_cannot_edit_section(user, section)
    permissions.refuse_if(reason)


def object_id(value: str) -> int:
    """An id taken from a query or form parameter; 404 for anything that cannot be one."""
    if not value.isdigit() or not 0 < int(value) <= MAX_ID:
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
