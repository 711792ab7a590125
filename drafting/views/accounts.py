"""Log-in and log-out: Django's views, with ``next`` read by the site's one safe-redirect helper."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from drafting.views.common import safe_next


class LoginView(auth_views.LoginView):
    """Django's log-in page; after it, only a path on this site (else the home page)."""

    def get_redirect_url(self) -> str:
        # Also what the page renders into its hidden ``next`` field: "" when unsafe.
        return safe_next(self.request, "")


class LogoutView(auth_views.LogoutView):
    """Django's log-out (POST); after it, only a path on this site (else the log-in page)."""

    def get_redirect_url(self) -> str:
        return safe_next(self.request, "")
