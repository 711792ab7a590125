"""The lifecycle of sections and documents: state tables as data, one function per transition.

A section goes drafting -> in review -> approved (and back to drafting when the
secretariat returns or reopens it, always with a reason). A document goes
drafting -> in review -> final -> submitted for adoption -> adopted, with a way
back from each step before adoption. Named versions are also taken here: they
mark points on the road to adoption.

Every transition function locks the row, checks *who* through
drafting.permissions (PermissionDenied, shown as a 403 that says why), checks the
state and its preconditions (ValidationError in words a secretariat officer
understands, e.g. "3 sections are not approved: Detection, Intervention,
Response") and stamps history with the user and the reason before saving.
Templates never re-derive these rules: they ask ``available_transitions()``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drafting import permissions
from drafting.history import stamp
from drafting.models import Document, ReviewMeeting, Version

# --- Named versions -------------------------------------------------------------------------


@transaction.atomic
def name_version(
    document: Document, *, by, name: str, note: str = "", meeting: ReviewMeeting | None = None
) -> Version:
    """Name the document's current state ("Draft 2 — circulated to members")."""
    reason = permissions.why_cannot_name_version(by, document)
    permissions.refuse_if(reason)
    name = name.strip()
    if not name:
        raise ValidationError("Give the version a name.")
    if Version.objects.filter(document=document, name=name).exists():
        raise ValidationError(f"This document already has a version named “{name}”.")
    if meeting is not None and meeting.document_id != document.pk:
        raise ValidationError("Choose a meeting of this document.")
    return _save_version(document, by=by, name=name, note=note, meeting=meeting)


def _save_version(document: Document, *, by, name: str, note: str, meeting) -> Version:
    version = Version(
        document=document,
        name=name,
        note=note,
        taken_at=timezone.now(),
        created_by=by,
        meeting=meeting,
    )
    version.full_clean()
    stamp(version, by=by, reason=f"Version named: {name}.")
    version.save()
    return version
