"""Log-in and log-out: Django's views, with ``next`` read by the one safe-redirect helper."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from drafting.security import remember_device
from drafting.views.common import safe_next


class LoginView(auth_views.LoginView):
    """Django's log-in page; after it, only a path on this site (else the home page).

    A successful log-in marks this browser as the person's device (a signed
    cookie), so other people's failed attempts from the same address do not
    lock them out of it (drafting.security).
    """

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        remember_device(self.request, response, form.get_user().get_username())
        return response

    def get_redirect_url(self) -> str:
        # Also what the page renders into its hidden ``next`` field: "" when unsafe.
        return safe_next(self.request, "")


class LogoutView(auth_views.LogoutView):
    """Django's log-out (POST); after it, only a path on this site (else the log-in page)."""

    def get_redirect_url(self) -> str:
        return safe_next(self.request, "")
