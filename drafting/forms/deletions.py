"""Deleting a practice or a section, and restoring one from the Deleted page."""

from __future__ import annotations

from django import forms

from drafting.forms.common import MAX_ID, ReasonField


class DeletePracticeForm(forms.Form):
    """``base_revision``: the revision the confirmation page showed; a newer one is a conflict."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    reason = ReasonField(label="Reason for deleting")


class DeleteSectionForm(forms.Form):
    """``seen``: actions.section_fingerprint of what the confirmation page showed."""

    seen = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = ReasonField(label="Reason for deleting")


class RestoreDeletionForm(forms.Form):
    reason = ReasonField(label="Reason for restoring")
