"""Editing presence: who else has a practice open (a heartbeat in the last minute)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from drafting.history.record import person
from drafting.models import EditingPresence

EXPIRES_AFTER = timedelta(seconds=60)


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
        result.setdefault(row.practice_id, []).append(str(person(row.user)))
    return result
