"""Named versions: a name for the document's state at a moment ("Draft 2 — circulated").

The version stores only the moment; its text is reconstructed from history.
Naming one locks the document (drafting.actions.base) so the name check and the
moment are those of a document nobody is changing at that instant."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drafting import permissions
from drafting.actions.base import lock_document, pk_of
from drafting.history import stamp
from drafting.models import Document, ReviewMeeting, Version

# --- Named versions -------------------------------------------------------------------------


@transaction.atomic
def name_version(
    document: Document | int,
    *,
    by,
    name: str,
    note: str = "",
    meeting: ReviewMeeting | int | None = None,
) -> Version:
    """Name the document's current state ("Draft 2 — circulated to members").

    Refused (PermissionDenied) unless ``by`` is the secretariat and the document
    is not adopted; refused (ValidationError) for an empty or taken name, or a
    meeting of another document.
    """
    document = lock_document(document)
    reason = permissions.why_cannot_name_version(by, document)
    permissions.refuse_if(reason)
    name = name.strip()
    if not name:
        raise ValidationError("Give the version a name.")
    if Version.objects.filter(document=document, name=name).exists():
        raise ValidationError(f"This document already has a version named “{name}”.")
    if meeting is not None:
        meeting = ReviewMeeting.objects.filter(pk=pk_of(meeting), document=document).first()
        if meeting is None:
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
