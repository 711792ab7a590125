"""Recording history: who made a change, why and at which meeting; who a row names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model


def stamp(
    obj: Model,
    *,
    by,
    reason: str = "",
    meeting=None,
    when: datetime | None = None,
) -> Model:
    """Set who, why, at which meeting (and, for imports, when) for the next save/delete.

    simple-history keeps ``_change_reason`` on the instance after a save, so a
    fresh value is set every time rather than relying on defaults.
    """
    obj._history_user = by
    obj._change_reason = reason
    obj._history_meeting = meeting
    if when is not None:
        obj._history_date = when
    elif hasattr(obj, "_history_date"):
        del obj._history_date
    return obj


# Who made a change and at which meeting, fetched with the rows themselves.
_WHO = ("history_user__profile__delegation", "history_meeting")


@dataclass(frozen=True)
class Author:
    """Who made a change, as every page, export and message names them.

    The one "who" formatter: "Sarah Mitchell (United States)" — full name (or
    username) and the delegation's name; "Unknown" for a row without a user.
    """

    name: str
    delegation: str

    def __str__(self) -> str:
        return f"{self.name} ({self.delegation})" if self.delegation else self.name

    @classmethod
    def named(cls, first: str, last: str, username: str, delegation: str | None) -> Author:
        """From plain column values (lists of hundreds of rows fetch values, not users)."""
        name = f"{first or ''} {last or ''}".strip() or username or UNKNOWN
        return cls(name, delegation or "")


UNKNOWN = "Unknown"


def person(user) -> Author:
    """How ``user`` is named: name and (current) delegation; ``Author("Unknown")`` for None."""
    if user is None:
        return Author(UNKNOWN, "")
    try:
        delegation = user.profile.delegation
    except ObjectDoesNotExist:
        delegation = None
    return Author.named(
        user.first_name, user.last_name, user.username, getattr(delegation, "name", None)
    )


def author_of(row) -> Author:
    """Who made a history row: their name and (current) delegation."""
    return person(row.history_user)
