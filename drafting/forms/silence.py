"""Silence procedure forms (issue 15): placing a version under silence, breaking it, ending it."""

from __future__ import annotations

from django import forms

from drafting.forms.common import DeadlineForm, DelegationChoices
from drafting.models import Delegation, Document, Version

NOTE_LIMIT = 2000


class SilenceForm(DeadlineForm):
    field_order = ["version", *DeadlineForm.base_fields]

    version = forms.ModelChoiceField(
        queryset=Version.objects.none(),
        label="Version",
        empty_label=None,
        help_text="The named version put under silence; it must be the current text.",
        error_messages={
            "invalid_choice": "Choose a named version of this document.",
            "required": "Name a version of the current text first (Versions), then choose it here.",
        },
    )
    invited = DelegationChoices(
        queryset=Delegation.objects.order_by("kind", "name"),
        widget=forms.CheckboxSelectMultiple,
        label="Invited delegations",
        help_text="Their experts are told and may break silence before the deadline.",
        error_messages={"required": "Invite at least one delegation."},
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_LIMIT,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional. Sent with the notification and shown on the procedure's page.",
    )

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        versions = Version.objects.filter(document=document).order_by("-taken_at", "-id")
        self.fields["version"].queryset = versions


class BreakSilenceForm(forms.Form):
    reason = forms.CharField(
        max_length=NOTE_LIMIT,
        label="Why does your delegation break silence?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why your delegation breaks silence."},
    )


class EndSilenceForm(forms.Form):
    note = forms.CharField(
        max_length=NOTE_LIMIT,
        label="What happens next",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown in the history and sent to the invited delegations.",
        error_messages={"required": "Say what happens next (shown in the history)."},
    )
