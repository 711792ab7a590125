"""A person's notifications: the list (visiting it marks them read), "Mark all read", and
the choice of which e-mails they receive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting.actions import notifications as notify
from drafting.forms.notifications import PreferencesForm
from drafting.reads import notifications as reads
from drafting.views.common import form_status


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    """Mine, newest first; those shown are marked read once the page has them as they were."""
    listed = reads.notifications_page(request.user, request.GET.get("page"))
    unread_here = [n.pk for n in listed.items if n.unread]
    if unread_here:
        notify.mark_read(request.user, unread_here)
    # The header shows what is left unread (no second count).
    request.unread_notifications = listed.unread - len(unread_here)
    return render(
        request,
        "drafting/notifications/list.html",
        {"listed": listed, "unread_elsewhere": listed.unread - len(unread_here)},
    )


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notify.mark_read(request.user)
    messages.success(request, f"{count} notification(s) marked read." if count else "All read.")
    return redirect("drafting:notification-list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    kinds = notify.kinds_for(request.user)
    form = PreferencesForm(
        request.POST or None, kinds=kinds, initial_choices=notify.choices_of(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            notify.save_preferences(request.user, form.cleaned_data, by=request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Your choices are saved.")
            return redirect("drafting:notification-preferences")
    return render(
        request,
        "drafting/notifications/preferences.html",
        {"form": form, "kinds": kinds},
        status=form_status(request, form),
    )


def unread_badge(request: HttpRequest) -> dict:
    """Context processor: the header's unread count, counted only if the page shows it
    (one query, at most once per request)."""
    return {"unread_notifications": reads.UnreadBadge(request)}
