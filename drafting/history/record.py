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
    name: str
    delegation: str

    def __str__(self) -> str:
        return f"{self.name} ({self.delegation})" if self.delegation else self.name


def author_of(row) -> Author:
    """Who made a history row: their name and (current) delegation."""
    user = row.history_user
    if user is None:
        return Author("Unknown", "")
    try:
        delegation = user.profile.delegation
    except ObjectDoesNotExist:
        delegation = None
    return Author(user.get_full_name() or user.username, str(delegation or ""))
