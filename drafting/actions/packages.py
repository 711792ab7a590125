"""Building an adoption package: the one writer of AdoptionPackage (issue 14).

Building takes seconds (three PDFs typeset in child processes), so it never
holds the document's row lock while it works. Three steps:

1. In a short transaction: lock and re-read the document, check the rule
   (permissions.why_cannot_build_package: the secretariat, a submitted or
   adopted document) and find the moment the text is taken at: the document's
   history row of its latest submission.
2. Outside any transaction: make every file (drafting/export/package.py). The
   text is read as of that moment, so edits elsewhere cannot change it.
3. In a short transaction: lock the document again, check the rule again and
   that the submission is still the same one (not withdrawn and submitted
   again meanwhile: then the package would describe a text that is no longer
   the one submitted), store the package and its ZIP, stamped with who and why.

Synchronous on purpose, bounded by the typesetter's time limit per PDF
(settings.EXPORT_TIMEOUT_SECONDS): it is a rare, deliberate step by the
secretariat, and the person building it wants the result on the next page.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drafting.actions.base import lock_document, pk_of
from drafting.actions.exports import point_data
from drafting.export import package as contents
from drafting.history import instant_before, stamp
from drafting.history.points import Point, of_version
from drafting.models import AdoptionPackage, AdoptionPackageFile, Document, Version
from drafting.permissions import refuse_if, why_cannot_build_package


def submission_row(document: Document):
    """The document's history row that made it "submitted" in its latest submission.

    The first row of the last unbroken run of submitted rows; an adoption after it
    keeps that submission (the adopted text is the submitted one). None if the
    document was never submitted.
    """
    rows = list(
        Document.history.filter(id=document.pk)
        .order_by("-history_id")
        .values("history_id", "history_date", "status")
    )
    found = None
    for row in rows:  # newest first
        if row["status"] == Document.Status.ADOPTED and found is None:
            continue
        if row["status"] != Document.Status.SUBMITTED:
            break
        found = row
    return found


def text_point(when: datetime) -> Point:
    """The point of a package's text: the document as it was submitted at ``when``."""
    local = timezone.localtime(when)
    return Point(
        "date",
        f"Text submitted for adoption ({local.day} {local:%B %Y, %H:%M})",
        f"submitted-{local:%Y-%m-%dT%H%M}",
        when,
    )


def _since(document: Document, when: datetime) -> tuple[Point, str]:
    """The redline's start: the last version named at or before ``when``, else the start."""
    version = (
        Version.objects.filter(document=document, taken_at__lte=when)
        .order_by("-taken_at", "-id")
        .first()
    )
    if version is not None:
        return of_version(version), version.name
    first = (
        Document.history.filter(id=document.pk)
        .order_by("history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    # Just before the document's first row: nothing existed, so everything is new.
    return Point("date", "the start of the document", "start", instant_before(first or when)), ""


def latest_package_id(document: Document | int) -> int:
    """The id of the document's latest package, 0 if none: the "revision" a build form carries."""
    latest = (
        AdoptionPackage.objects.filter(document_id=pk_of(document))
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return latest or 0


def _refuse_if_built_meanwhile(document: Document, seen_package: int | None) -> None:
    if seen_package is not None and latest_package_id(document) != seen_package:
        # A double click, or a colleague: a second package of the same text is rarely meant.
        raise ValidationError(
            "A package was built after you opened this page; it is listed below. Nothing "
            "was built: build another only if you need one."
        )


@transaction.atomic
def _prepare(document: Document | int, *, by, seen_package: int | None) -> tuple[Document, dict]:
    current = lock_document(document)
    refuse_if(why_cannot_build_package(by, current))
    _refuse_if_built_meanwhile(current, seen_package)
    row = submission_row(current)
    if row is None:  # status says submitted but no history row does: never, but say so
        raise ValidationError("No submission of this document is recorded in its history.")
    return current, row


def build_adoption_package(
    document: Document | int,
    *,
    by,
    seen_package: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> AdoptionPackage:
    """Build, store and return a new adoption package of ``document`` (never replaces one).

    ``seen_package`` is the latest package id the person's page showed (0: none;
    None: do not compare, for scripts). Raises PermissionDenied (in the rule's
    words) when ``by`` may not build it or the document is not submitted;
    ValidationError when a package was built since ``seen_package`` or the
    submission changed while the files were being made; TypesetError when a PDF
    could not be typeset. Must not run inside an outer transaction (it would
    hold the lock it avoids).
    """
    current, row = _prepare(pk_of(document), by=by, seen_package=seen_package)
    point = text_point(row["history_date"])
    since, since_version = _since(current, row["history_date"])
    built_at = now or timezone.now()
    built = contents.make(
        current,
        point,
        since=since,
        since_version=since_version,
        by=by,
        built_at=built_at,
        document_history_id=row["history_id"],
    )
    return _store(
        current.pk, row, point, built, by=by, built_at=built_at, reason=reason, seen=seen_package
    )


@transaction.atomic
def _store(document_id, row, point, built, *, by, built_at, reason, seen) -> AdoptionPackage:
    current = lock_document(document_id)
    refuse_if(why_cannot_build_package(by, current))
    _refuse_if_built_meanwhile(current, seen)
    again = submission_row(current)
    if again is None or again["history_id"] != row["history_id"]:
        raise ValidationError(
            "The submission changed while the package was being built (it was withdrawn or "
            "submitted again). Nothing was stored; build the package again."
        )
    package = AdoptionPackage(
        document=current,
        built_by=by,
        built_at=built_at,
        point=point_data(point),
        document_history_id=row["history_id"],
        text_digest=built.text_digest,
        zip_digest=built.zip_digest,
        size=len(built.content),
        manifest=built.manifest,
    )
    summary = f"Adoption package built from the {point.label[0].lower()}{point.label[1:]}."
    stamp(package, by=by, reason=f"{summary} {reason.strip()}".strip())
    package.save()
    AdoptionPackageFile(package=package, content=built.content).save()
    return package
