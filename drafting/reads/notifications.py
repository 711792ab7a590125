"""A person's notifications: their list (newest first, paged) and the header's unread count.

Only the person's own rows are ever read here: another person's notification
is not listed, whatever the request asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from drafting.history.timelines import page_links
from drafting.models import ExpertProfile, Notification

PER_PAGE = 50


@dataclass
class NotificationPage:
    """One page of a person's notifications and how many are unread in all."""

    page: Page
    unread: int

    @property
    def items(self) -> list[Notification]:
        return list(self.page.object_list)

    @property
    def page_links(self) -> list[int | str]:
        return page_links(self.page)


def notifications_page(user, page: int | str | None = 1, *, per_page: int = 0) -> NotificationPage:
    """``user``'s notifications, newest first, ``per_page`` (default PER_PAGE) at a time.

    A page number that is not one gives the first page; past the end, the last.
    Three queries whatever the number of notifications: the count, the page, the
    unread count.
    """
    rows = Notification.objects.filter(recipient=user).order_by("-id")
    current = Paginator(rows, per_page or PER_PAGE, allow_empty_first_page=True).get_page(page)
    current.object_list = list(current.object_list)
    return NotificationPage(current, unread_count(user))


def unread_count(user) -> int:
    """How many of ``user``'s notifications are unread (0 for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def load_person(user) -> int | None:
    """Load ``user``'s profile with its delegation and their unread count in one query.

    Every signed-in page needs the profile (permissions, the header's name and
    delegation) and the header's count: one query instead of two or three. The
    profile is set on ``user`` (``user.profile``, no further query); out: the unread
    count, or None for a person without a profile (counted when the page asks).
    """
    unread = (
        Notification.objects.filter(recipient=OuterRef("user_id"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    profile = (
        ExpertProfile.objects.select_related("delegation")
        .annotate(
            unread_notifications=Coalesce(Subquery(unread), Value(0), output_field=IntegerField())
        )
        .filter(user=user)
        .first()
    )
    if profile is None:
        return None
    user.profile = profile  # cached on the user; nothing is saved
    return profile.unread_notifications


class PersonMiddleware:
    """Loads the signed-in person (load_person) before the view; the count is kept on the
    request for the header. Requests without a session cookie are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                count = load_person(user)
                if count is not None:
                    request.unread_notifications = count
        return self.get_response(request)


class UnreadBadge:
    """The header's count: the one PersonMiddleware read, or counted (one query) only if
    the page shows it, at most once per request."""

    def __init__(self, request):
        self._request = request

    @cached_property
    def count(self) -> int:
        known = getattr(self._request, "unread_notifications", None)
        if known is not None:
            return known
        return unread_count(getattr(self._request, "user", None))

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return str(self.count)
