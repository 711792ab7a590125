"""Who may do what: the one place the rules live.

Views, templates (through booleans the views pass) and tests all call these
predicates. ``require()`` turns a refused predicate into a 403 that says why.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from drafting.models import Document, ExpertProfile, Section

Role = ExpertProfile.Role


def role_of(user) -> str | None:
    """The user's drafting role, or None for anonymous users and users without one."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.profile.role
    except ExpertProfile.DoesNotExist:
        # A superuser created with createsuperuser administers the forum.
        return Role.SECRETARIAT if user.is_superuser else None


def is_secretariat(user) -> bool:
    return role_of(user) == Role.SECRETARIAT


def can_draft(user) -> bool:
    """Experts and the secretariat write text; observers only read."""
    return role_of(user) in {Role.EXPERT, Role.SECRETARIAT}


def can_view_document(user, document: Document) -> bool:
    if role_of(user) is not None:
        return True
    # Once adopted, the text is public.
    return document.status == Document.Status.ADOPTED


def why_cannot_edit_section(user, section: Section) -> str | None:
    """None if ``user`` may edit the section's text directly, else the reason in plain words."""
    role = role_of(user)
    if role is None:
        return "You need a drafting role to change the text."
    if role == Role.OBSERVER:
        return "Observers can read the draft but not change it."
    if section.document.status == Document.Status.ADOPTED:
        return "This document has been adopted; its text is frozen."
    if section.status == Section.Status.APPROVED:
        return f"“{section.title}” is approved; it must be reopened before its text can change."
    if section.status == Section.Status.IN_REVIEW and role != Role.SECRETARIAT:
        return f"“{section.title}” is in review; propose an amendment instead."
    return None


def can_edit_section(user, section: Section) -> bool:
    return why_cannot_edit_section(user, section) is None


def require(allowed: bool, reason: str) -> None:
    """Raise a 403 carrying ``reason`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(reason)


def get_document_for_user(user, slug: str) -> Document:
    """The document, or 404 if it does not exist or the user may not see it."""
    document = get_object_or_404(
        Document.objects.select_related("working_group", "target_meeting", "adopted_at"),
        slug=slug,
    )
    if not can_view_document(user, document):
        # Not adopted yet: unpublished drafts are invisible to the public.
        raise PermissionDenied("Log in to read this draft.")
    return document
