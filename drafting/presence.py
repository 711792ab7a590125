"""Editing presence: who else has a practice open, and whether my form went stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from drafting.models import EditingPresence, Practice

# A heartbeat arrives every 15 s from an open editor; a minute without one means gone.
EXPIRES_AFTER = timedelta(seconds=60)


@dataclass
class PresenceReport:
    others: list[str]
    stale: bool
    current_revision: int
    changed_by: str


def heartbeat(practice: Practice, *, user, base_revision: int) -> PresenceReport:
    """Record that ``user`` is editing ``practice`` and report who else is and staleness."""
    now = timezone.now()
    EditingPresence.objects.update_or_create(
        user=user, practice=practice, defaults={"base_revision": base_revision, "last_seen": now}
    )
    others = (
        EditingPresence.objects.filter(practice=practice, last_seen__gte=now - EXPIRES_AFTER)
        .exclude(user=user)
        .select_related("user__profile__delegation")
        .order_by("user__last_name")
    )
    stale = practice.revision != base_revision
    changed_by = ""
    if stale:
        last = practice.history.select_related("history_user").order_by("-history_date").first()
        changed_by = describe_user(last.history_user) if last and last.history_user else ""
    return PresenceReport(
        others=[describe_user(p.user) for p in others],
        stale=stale,
        current_revision=practice.revision,
        changed_by=changed_by,
    )


def leave(practice: Practice, *, user) -> None:
    EditingPresence.objects.filter(user=user, practice=practice).delete()


def editors_of(practice_ids: list[int], *, exclude_user=None) -> dict[int, list[str]]:
    """Practice id -> people currently editing it (one query)."""
    rows = (
        EditingPresence.objects.filter(
            practice_id__in=practice_ids, last_seen__gte=timezone.now() - EXPIRES_AFTER
        )
        .exclude(user=exclude_user)
        .select_related("user__profile__delegation")
    )
    result: dict[int, list[str]] = {}
    for row in rows:
        result.setdefault(row.practice_id, []).append(describe_user(row.user))
    return result


def describe_user(user) -> str:
    """ "Sarah Mitchell (United States)" — the name people see on presence and history."""
    name = user.get_full_name() or user.username
    profile = getattr(user, "profile", None)
    delegation = getattr(profile, "delegation", None) if profile else None
    return f"{name} ({delegation.name})" if delegation else name
