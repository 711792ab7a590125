"""Editing presence: the heartbeat that says "I have this practice open" and leaving it.

Presence is not draft content (not history-tracked); who is editing is read in
drafting/reads/presence.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from drafting.history import person
from drafting.models import EditingPresence, Practice
from drafting.permissions import refuse_if, why_cannot_edit_section
from drafting.reads.presence import EXPIRES_AFTER

# A heartbeat arrives every 15 s from an open editor; a minute without one means gone.


@dataclass
class PresenceReport:
    others: list[str]
    stale: bool
    current_revision: int
    changed_by: str


def heartbeat(practice: Practice, *, user, base_revision: int) -> PresenceReport:
    """Record that ``user`` is editing ``practice`` and report who else is and staleness.

    Raises PermissionDenied (the rule's words) where ``user`` may not edit the
    practice's section: nobody is "editing" an approved section or an adopted text.
    """
    refuse_if(why_cannot_edit_section(user, practice.section))
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
        last = practice.history.select_related("history_user").order_by("-history_id").first()
        changed_by = str(person(last.history_user)) if last and last.history_user else ""
    return PresenceReport(
        others=[str(person(p.user)) for p in others],
        stale=stale,
        current_revision=practice.revision,
        changed_by=changed_by,
    )


def leave(practice: Practice, *, user) -> None:
    EditingPresence.objects.filter(user=user, practice=practice).delete()
