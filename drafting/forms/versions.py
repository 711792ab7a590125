"""Naming a version of the document."""

from __future__ import annotations

from django import forms

from drafting.forms.common import TEXT_WIDGET, _meeting_field
from drafting.models import Document, Version

NOTE_LIMIT = 2000


class VersionForm(forms.ModelForm):
    # The model's TextField has no limit of its own; the note is shown in every version list.
    note = forms.CharField(
        required=False,
        max_length=NOTE_LIMIT,
        label="Note",
        widget=TEXT_WIDGET,
        error_messages={
            "max_length": f"Keep the note to {NOTE_LIMIT:,} characters (it has %(show_value)s)."
        },
    )

    class Meta:
        model = Version
        fields = ["name", "note", "meeting"]
        labels = {"name": "Name", "note": "Note", "meeting": "For meeting"}
        help_texts = {"name": "e.g. “Draft 2 — circulated to members”."}

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = _meeting_field(document, label="For meeting")
        self.fields["meeting"].help_text = "Optional."
