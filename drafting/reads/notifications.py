"""A person's notifications: their list (newest first, paged) and the header's unread count.

Only the person's own rows are ever read here: another person's notification
is not listed, whatever the request asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

from drafting.history.timelines import page_links
from drafting.models import Notification

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


class UnreadBadge:
    """The header's count, read only if the page shows it, at most once per request."""

    def __init__(self, request):
        self._user = getattr(request, "user", None)

    @cached_property
    def count(self) -> int:
        return unread_count(self._user)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return str(self.count)
