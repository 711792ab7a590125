"""Comment period forms (issue 15): opening a period, sending in during it, and one row
of the disposition table."""

from __future__ import annotations

import zoneinfo

from django import forms

from drafting.forms.common import (
    BODY_LIMIT,
    MAX_ID,
    DelegationChoices,
    _meeting_field,
)
from drafting.forms.silence import aware_deadline
from drafting.models import Delegation, Disposition, Document, Version

# The zones a forum's secretariat works in come first; every IANA zone is accepted.
_FIRST_ZONES = ["UTC", "Europe/Brussels", "Africa/Casablanca", "America/New_York", "Asia/Dubai"]
ZONE_CHOICES = [(z, z) for z in _FIRST_ZONES] + [
    # "localtime" is the server's own zone file, not a place: never a deadline's zone.
    (z, z)
    for z in sorted(zoneinfo.available_timezones())
    if z not in _FIRST_ZONES and z != "localtime"
]


class PeriodForm(forms.Form):
    """The deadline is typed as a date, a time and a time zone, and stored in UTC."""

    version = forms.ModelChoiceField(
        queryset=Version.objects.all(),
        label="Version circulated",
        empty_label=None,
        error_messages={"invalid_choice": "Choose a named version of this document."},
    )
    deadline_date = forms.DateField(
        label="Deadline (date)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give the deadline's date.", "invalid": "Enter a date."},
    )
    deadline_time = forms.TimeField(
        label="Time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Give the deadline's time.", "invalid": "Enter a time."},
    )
    time_zone = forms.ChoiceField(choices=ZONE_CHOICES, initial="UTC", label="Time zone")
    invited = DelegationChoices(
        queryset=Delegation.objects.order_by("kind", "name"),
        widget=forms.CheckboxSelectMultiple,
        label="Delegations invited",
        error_messages={"required": "Invite at least one delegation."},
    )
    instructions = forms.CharField(
        required=False,
        max_length=BODY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4, "data-editor": "markdown"}),
        help_text="Optional, in Markdown: what delegations are asked to look at.",
    )
    allow_late = forms.BooleanField(
        required=False, label="Accept late submissions (they are flagged late)"
    )
    anonymise = forms.BooleanField(
        required=False, label="Anonymise the compilation (Delegation A, B, …)"
    )

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer this document's versions; a crafted id of another document's version is
        # still accepted here so that the action says what is wrong with it.
        self.fields["version"].widget.choices = [
            (v.pk, v.name) for v in document.versions.order_by("-taken_at", "-id")
        ]

    def clean(self):
        data = super().clean()
        day, at, zone = data.get("deadline_date"), data.get("deadline_time"), data.get("time_zone")
        if day and at and zone:
            # The same rule as the silence form: an hour skipped by summer time is refused.
            try:
                data["deadline"] = aware_deadline(day, at, zone)
            except ValueError as error:
                self.add_error("deadline_time", str(error))
        return data


class SubmissionForm(forms.Form):
    """A comment, or a proposed change, on one practice of the circulated text."""

    KINDS = [("comment", "Comment"), ("change", "Propose a change")]

    kind = forms.ChoiceField(choices=KINDS, widget=forms.HiddenInput)
    practice = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    body = forms.CharField(
        required=False, max_length=BODY_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )
    heading = forms.CharField(required=False, max_length=1000)
    text = forms.CharField(
        required=False, max_length=BODY_LIMIT, widget=forms.Textarea(attrs={"rows": 5})
    )
    rationale = forms.CharField(
        required=False, max_length=BODY_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )


class DispositionForm(forms.Form):
    """One row of the disposition table; each row saves alone."""

    outcome = forms.ChoiceField(
        choices=Disposition.Outcome.choices,
        error_messages={
            "required": "Choose a disposition.",
            "invalid_choice": "Choose a disposition from the list.",
        },
    )
    note = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # 0: the row showed no disposition yet.
    seen_revision = forms.IntegerField(min_value=0, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = _meeting_field(document, label="Decided at / deferred to")
