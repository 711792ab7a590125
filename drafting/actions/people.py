"""People: inviting experts, changing roles and delegations, deactivating accounts (issue 12).

The only writers of accounts made in the application. Each function, in one
transaction, locks and re-reads the rows it changes (the secretariat's profiles
first, whenever the rule "the last active member of the secretariat stays" is at
stake, then the person's user row, then their profile), checks permission
(drafting.permissions.why_cannot_manage_people / why_cannot_change_account) and
the rule, writes with ``save()`` and records an ``AccountEvent`` (and, for the
profile, a history row) naming who did it and why.

E-mail leaves after the transaction commits (``transaction.on_commit``): a mail
server that refuses or does not answer never undoes an invitation; the outcome
is recorded as an event, which the person's page shows with *Send again*.
"""

from __future__ import annotations

import logging
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from drafting import permissions
from drafting.history import person as named
from drafting.history import stamp
from drafting.models import AccountEvent, Delegation, ExpertProfile

User = get_user_model()
Role = ExpertProfile.Role
Kind = AccountEvent.Kind
logger = logging.getLogger(__name__)


def _record(person, kind: str, *, by, detail: str = "") -> AccountEvent:
    event = AccountEvent(person=person, kind=kind, by=by, detail=detail.strip())
    stamp(event, by=by, reason=f"{event.get_kind_display()}. {detail}".strip())
    event.save()
    return event


def _lock_person(person_id: int):
    """Lock and re-read a user row; ValidationError if there is none."""
    found = User.objects.select_for_update().filter(pk=person_id).first()
    if found is None:
        raise ValidationError("This person's account no longer exists. Nothing was changed.")
    return found


def _lock_profile(person) -> ExpertProfile | None:
    # Only the profile row is locked (PostgreSQL cannot lock the outer side of a join
    # with the delegation, and the delegation is not changed here).
    return (
        ExpertProfile.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .filter(user=person)
        .first()
    )


def _lock_secretariat() -> None:
    """Lock every secretariat profile (lowest id first) so that two officers cannot each
    remove the other, the last two, at the same moment."""
    list(
        ExpertProfile.objects.select_for_update()
        .filter(role=Role.SECRETARIAT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def active_secretariat_count(*, excluding: int | None = None) -> int:
    """Active accounts with the secretariat's role (a superuser without a profile counts:
    drafting.permissions.role_of makes it secretariat)."""
    members = User.objects.filter(is_active=True).filter(
        Q(profile__role=Role.SECRETARIAT) | Q(is_superuser=True, profile__isnull=True)
    )
    if excluding is not None:
        members = members.exclude(pk=excluding)
    return members.count()


def _refuse_losing_last_secretariat(person) -> None:
    if permissions.role_of(person) == Role.SECRETARIAT and not active_secretariat_count(
        excluding=person.pk
    ):
        raise ValidationError(
            f"{named(person)} is the last active member of the secretariat: the forum would "
            "have nobody to manage it. Give someone else the secretariat's role first. "
            "Nothing was changed."
        )


def _delegation(delegation_id: int | None, role: str) -> Delegation | None:
    """The delegation chosen (re-read), None for none; ValidationError on the field otherwise."""
    if role not in Role.values:
        raise ValidationError({"role": "Choose expert, secretariat or observer."})
    if delegation_id is None:
        if role == Role.EXPERT:
            raise ValidationError(
                {"delegation": "An expert speaks for a delegation: choose which one."}
            )
        return None
    found = Delegation.objects.filter(pk=delegation_id).first()
    if found is None:
        raise ValidationError({"delegation": "That delegation does not exist. Choose one listed."})
    return found


def _describe(role: str, delegation: Delegation | None) -> str:
    where = f" for {delegation.name}" if delegation is not None else ""
    return f"{Role(role).label}{where}"


def _email_taken(email: str, *, excluding: int | None = None) -> bool:
    others = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if excluding is not None:
        others = others.exclude(pk=excluding)
    return others.exists()


@transaction.atomic
def invite_person(
    *,
    by,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    delegation_id: int | None,
    site: str,
    reason: str = "",
):
    """Create an account for a new person and e-mail them a link to set their password.

    The account has no usable password until they follow the link (Django's password
    reset token, valid PASSWORD_RESET_TIMEOUT seconds); their username is their
    e-mail address. ``site`` is the address the link starts with
    ("https://drafting.example.org"). The e-mail is sent once the transaction has
    committed; its outcome is recorded (``invitation_sent`` / ``invitation_failed``).

    Raises PermissionDenied unless ``by`` is secretariat; ValidationError (keyed by
    field) for an address already in use, an unknown delegation, a role that is not
    one of ExpertProfile.Role, or an expert without a delegation. Returns the user.
    """
    permissions.refuse_if(permissions.why_cannot_manage_people(by))
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise ValidationError({"email": "Give the person's e-mail address."})
    delegation = _delegation(delegation_id, role)
    if _email_taken(email):
        raise ValidationError(
            {
                "email": "Someone already has an account with this e-mail address; "
                "find them in the list to change their role instead."
            }
        )
    person = User(
        username=email[:150],
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_active=True,
    )
    person.set_unusable_password()
    person.save()
    profile = ExpertProfile(user=person, role=role, delegation=delegation)
    stamp(profile, by=by, reason=f"Invited by {named(by)}. {reason}".strip())
    profile.save()
    _record(person, Kind.INVITED, by=by, detail=f"{_describe(role, delegation)}. {reason}")
    transaction.on_commit(partial(send_invitation, person.pk, by_id=by.pk, site=site), robust=True)
    return person


@transaction.atomic
def resend_invitation(person_id: int, *, by, site: str):
    """Send a person's invitation again (a new link), after this transaction commits.

    Only for an active account whose password has not been set yet: once it has, the
    person uses *Forgot your password?*. Raises PermissionDenied unless ``by`` is
    secretariat, ValidationError otherwise. Returns the user.
    """
    permissions.refuse_if(permissions.why_cannot_manage_people(by))
    person = _lock_person(person_id)
    if not person.is_active:
        raise ValidationError(
            f"{named(person)}'s account is deactivated: reactivate it before inviting them again."
        )
    if person.has_usable_password():
        raise ValidationError(
            f"{named(person)} has already set a password; if they forgot it, they can ask "
            "for a new one with “Forgot your password?” on the log-in page."
        )
    if not person.email:
        raise ValidationError(f"{named(person)} has no e-mail address to send the invitation to.")
    transaction.on_commit(partial(send_invitation, person.pk, by_id=by.pk, site=site), robust=True)
    return person


def set_password_link(person, site: str) -> str:
    """The address at which ``person`` sets a password: Django's reset token, which works
    until the password changes (or the person logs in) or PASSWORD_RESET_TIMEOUT passes."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    path = reverse("password-reset-confirm", kwargs={"uidb64": uid, "token": token})
    return site.rstrip("/") + path


def send_invitation(person_id: int, *, by_id: int, site: str) -> bool:
    """E-mail the invitation and record the outcome; True when the mail server took it.

    Called after the inviting transaction committed. A failure (refused, unreachable,
    misconfigured server) is recorded as ``invitation_failed`` with the reason, and
    logged; it never raises, so the secretariat's request goes on to the person's page,
    which offers *Send again*.
    """
    person = User.objects.filter(pk=person_id).first()
    by = User.objects.filter(pk=by_id).first()
    if person is None:
        return False
    context = {
        "person": person,
        "inviter": named(by),
        "link": set_password_link(person, site),
        "site": site,
        "hours": _link_hours(),
    }
    subject = loader.render_to_string("registration/invitation_subject.txt", context)
    body = loader.render_to_string("registration/invitation_email.txt", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), body, to=[person.email])
    try:
        message.send(fail_silently=False)
    except Exception as error:  # the mail server's failure must not become a 500
        logger.warning("invitation to %s not sent: %s", person.email, error)
        with transaction.atomic():
            _record(
                person,
                Kind.INVITATION_FAILED,
                by=by,
                detail=f"The mail server answered: {str(error)[:300] or type(error).__name__}",
            )
        return False
    with transaction.atomic():
        _record(person, Kind.INVITATION_SENT, by=by, detail=f"To {person.email}.")
    return True


def _link_hours() -> int:
    from django.conf import settings

    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


@transaction.atomic
def change_role(person_id: int, *, by, role: str, delegation_id: int | None, reason: str = ""):
    """Give a person another role and/or delegation (creating their profile if they had none).

    Refused (PermissionDenied) unless ``by`` is secretariat and not the person; refused
    (ValidationError) for a role not in ExpertProfile.Role, an unknown delegation, an
    expert without a delegation, or taking the secretariat's role from its last active
    member. Nothing is written when nothing changes. Returns the profile.
    """
    _lock_secretariat()
    person = _lock_person(person_id)
    permissions.refuse_if(permissions.why_cannot_change_account(by, person))
    delegation = _delegation(delegation_id, role)
    profile = _lock_profile(person)
    before = _describe(profile.role, profile.delegation) if profile else "No drafting role"
    if profile is not None and profile.role == role and profile.delegation_id == delegation_id:
        raise ValidationError(f"{named(person)} is already {before.lower()}. Nothing was changed.")
    if role != Role.SECRETARIAT:
        _refuse_losing_last_secretariat(person)
    if profile is None:
        profile = ExpertProfile(user=person)
    profile.role, profile.delegation = role, delegation
    after = _describe(role, delegation)
    stamp(profile, by=by, reason=f"{before} → {after}. {reason}".strip())
    profile.save()
    _record(person, Kind.ROLE_CHANGED, by=by, detail=f"{before} → {after}. {reason}")
    return profile


def _end_sessions(person) -> int:
    """Delete the person's sessions (they are logged out everywhere); how many there were.

    Sessions are stored signed and encoded, so each unexpired one is decoded; a forum's
    few hundred sessions take milliseconds. (An inactive account is refused by the
    authentication backend on its next request anyway; this also ends the session at once.)
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(person.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def deactivate_person(person_id: int, *, by, reason: str = ""):
    """Deactivate an account: the person can no longer log in, and their sessions end.

    The account and everything it wrote stay (history keeps its author); reactivating
    it gives the same login back. Refused (PermissionDenied) unless ``by`` is secretariat
    and not the person; refused (ValidationError) for the last active member of the
    secretariat or an account already deactivated. Returns the user.
    """
    _lock_secretariat()
    person = _lock_person(person_id)
    permissions.refuse_if(permissions.why_cannot_change_account(by, person))
    if not person.is_active:
        raise ValidationError(f"{named(person)}'s account is already deactivated.")
    _refuse_losing_last_secretariat(person)
    person.is_active = False
    person.save(update_fields=["is_active"])
    ended = _end_sessions(person)
    logged_out = f" Logged out of {ended} session{'s' if ended != 1 else ''}." if ended else ""
    _record(person, Kind.DEACTIVATED, by=by, detail=f"{reason}{logged_out}")
    return person


@transaction.atomic
def reactivate_person(person_id: int, *, by, reason: str = ""):
    """Let a deactivated person log in again, with their old password and role.

    Refused (PermissionDenied) unless ``by`` is secretariat and not the person;
    ValidationError for an account that is active. Returns the user.
    """
    person = _lock_person(person_id)
    permissions.refuse_if(permissions.why_cannot_change_account(by, person))
    if person.is_active:
        raise ValidationError(f"{named(person)}'s account is already active.")
    person.is_active = True
    person.save(update_fields=["is_active"])
    _record(person, Kind.REACTIVATED, by=by, detail=reason)
    return person


@transaction.atomic
def record_password(person, *, kind: str) -> AccountEvent:
    """Record that ``person`` set (from an e-mailed link) or changed their own password.

    Django's password views write the password itself; this is the line in the
    person's record. ``kind`` is ``password_set`` or ``password_changed``.
    """
    if kind not in {Kind.PASSWORD_SET, Kind.PASSWORD_CHANGED}:
        raise ValueError(kind)
    return _record(person, kind, by=person)
