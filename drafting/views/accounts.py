"""Log-in, log-out and passwords: Django's views, with our rules around them.

``next`` is read by the one safe-redirect helper; "forgot password" is rate-limited
and never says whether an address has an account; setting and changing a password
is recorded in the person's account record (drafting.actions.people).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from drafting import actions, limits, permissions
from drafting.models import AccountEvent
from drafting.security import client_ip, remember_device
from drafting.views.common import safe_next

User = get_user_model()


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


# --- Passwords (issue 12): change one's own, reset a forgotten one, set one when invited ---


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, also for invited people who have not set a password yet (they lost
    the invitation): here every active account logs in with a password, none elsewhere."""

    def get_users(self, email: str):
        found = User._default_manager.filter(email__iexact=email, is_active=True)
        return (u for u in found if _email_matches(email, u.email))


def _email_matches(typed: str, stored: str) -> bool:
    # Django's own comparison (case-folded, normalised) so look-alike addresses do not match.
    return auth_forms._unicode_ci_compare(typed, stored)


def _client_key(group: str, request: HttpRequest) -> str:
    return f"ip:{client_ip(request) or '-'}"


def _address_key(group: str, request: HttpRequest) -> str:
    typed = (request.POST.get("email") or "").strip().lower()[:254]
    return "address:" + hashlib.sha256(typed.encode()).hexdigest()


class PasswordResetView(auth_views.PasswordResetView):
    """The "Forgot your password?" page: an e-mail with a link, if the address has an account.

    The page says the same whether or not it has one (nobody learns who has an
    account here). Requests are limited (drafting.limits, ``password_resets``) per
    client address and per address typed, so the page cannot flood anyone's mailbox.
    """

    form_class = PasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-sent")

    def form_valid(self, form) -> HttpResponse:
        try:
            limits.spend(self.request, "password_resets", key=_client_key)
            limits.spend(self.request, "password_resets", key=_address_key)
        except limits.RateLimited as limited:
            form.add_error(None, limited)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        self.extra_email_context = {"hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)}
        # Django's form logs a mail server's failure and goes on: the next page is the same
        # whatever happened, so it never tells who has an account.
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The page an e-mailed link opens: choose a password (invitation or reset).

    An expired, used or forged link shows a page saying so, with the way to a new one.
    Setting the password is recorded in the person's account record.
    """

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        actions.record_password(form.user, kind=AccountEvent.Kind.PASSWORD_SET)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (the old one first); other sessions of the person end,
    this one stays (Django keeps it with update_session_auth_hash)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password-change-done")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        actions.record_password(form.user, kind=AccountEvent.Kind.PASSWORD_CHANGED)
        return response


def account_links(request: HttpRequest) -> dict:
    """Template context for the header: whether to offer the People pages."""
    user = getattr(request, "user", None)
    return {"can_manage_people": user is not None and permissions.can_manage_people(user)}
