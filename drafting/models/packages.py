"""Adoption packages: what the secretariat hands to ministers, stored once and never changed.

An ``AdoptionPackage`` is the record of one build (who, when, the moment the
text was taken at, the digests, the manifest); it is history-tracked like the
draft, so "who built which package when" is in the history with a reason. The
ZIP itself is in ``AdoptionPackageFile``, a table of its own so that the history
row does not copy megabytes and list pages never read the bytes. Both live in the
database: every application process (gunicorn workers, PostgreSQL or SQLite)
serves the same bytes without a shared file system.

Immutable: ``save()`` refuses to update a stored row and ``delete()`` refuses
to delete one. A rebuild (after a withdrawn and renewed submission, say) is a
new package; the old one stays as it was.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models

from drafting.models.base import tracked
from drafting.models.documents import Document

IMMUTABLE = "An adoption package is never changed or deleted; build a new one instead."


class _Immutable(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionDenied(IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(IMMUTABLE)


class AdoptionPackage(_Immutable):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="packages")
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    built_at = models.DateTimeField()
    # The moment the text was taken at (drafting.history.points.Point as data; its
    # ``when`` is the date of the document's history row that submitted it).
    point = models.JSONField()
    document_history_id = models.BigIntegerField(
        help_text="The document's history row of the submission the text was taken from."
    )
    text_digest = models.CharField(
        max_length=64, help_text="SHA-256 of clean-text.md, the canonical text (see README)."
    )
    zip_digest = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    manifest = models.JSONField()

    history = tracked()

    class Meta:
        ordering = ["document", "-built_at", "-id"]

    def __str__(self) -> str:
        return f"Adoption package of {self.document_id} built {self.built_at:%Y-%m-%d %H:%M}"


class AdoptionPackageFile(_Immutable):
    """The ZIP of one package, as it was built and downloaded."""

    package = models.OneToOneField(
        AdoptionPackage, on_delete=models.PROTECT, primary_key=True, related_name="file"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"ZIP of package {self.package_id}"
