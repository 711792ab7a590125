"""People pages: the list of accounts and one person's page, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from drafting.models import AccountEvent, Delegation, ExpertProfile

User = get_user_model()
NO_ROLE = "none"  # the role filter's value for accounts without a drafting role


def people(*, delegation: Delegation | None = None, role: str = "") -> QuerySet:
    """Every account, with profile and delegation joined (one query), by name.

    ``delegation`` keeps its people; ``role`` one of ExpertProfile.Role or ``NO_ROLE``.
    """
    found = User.objects.select_related("profile__delegation").order_by(
        "last_name", "first_name", "username"
    )
    if delegation is not None:
        found = found.filter(profile__delegation=delegation)
    if role == NO_ROLE:
        found = found.filter(profile__isnull=True)
    elif role:
        found = found.filter(profile__role=role)
    return found


@dataclass(frozen=True)
class PersonPage:
    person: object
    profile: ExpertProfile | None
    events: list[AccountEvent]
    invitation_failed: AccountEvent | None  # the last invitation e-mail failed: offer again
    waiting_for_password: bool  # invited, has not set a password yet


def person_page(pk: int) -> PersonPage:
    """One person, their profile and their account's record (two queries). Http404 if none."""
    person = User.objects.select_related("profile__delegation").filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    events = list(person.account_events.select_related("by__profile__delegation").order_by("-pk"))
    sending = [
        e
        for e in events
        if e.kind in {AccountEvent.Kind.INVITATION_SENT, AccountEvent.Kind.INVITATION_FAILED}
    ]
    last = sending[0] if sending else None
    failed = last if last and last.kind == AccountEvent.Kind.INVITATION_FAILED else None
    return PersonPage(
        person=person,
        profile=person.profile if _has_profile(person) else None,
        events=events,
        invitation_failed=failed,
        waiting_for_password=not person.has_usable_password(),
    )


def _has_profile(person) -> bool:
    try:
        person.profile  # noqa: B018 (joined by select_related: no query)
    except ExpertProfile.DoesNotExist:
        return False
    return True


def last_event_id() -> int:
    """The newest account event's id (0 if none): a mark to ask what came after."""
    return AccountEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def invitation_outcome(person_id: int, *, after: int) -> AccountEvent | None:
    """The person's invitation e-mail recorded after event ``after``: sent, failed, or None
    while it has not left yet (it leaves when the inviting transaction commits)."""
    return (
        AccountEvent.objects.filter(
            person_id=person_id,
            pk__gt=after,
            kind__in=[AccountEvent.Kind.INVITATION_SENT, AccountEvent.Kind.INVITATION_FAILED],
        )
        .order_by("-pk")
        .first()
    )
