"""Silence procedure forms (issue 15): placing a version under silence, breaking it, ending it."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import cache

from django import forms
from django.conf import settings

from drafting.forms.common import DelegationChoices
from drafting.models import Delegation, Document, Version

NOTE_LIMIT = 2000


@cache
def zone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone, UTC first ("Africa/Casablanca", "America/New_York", …)."""
    zones = sorted(zoneinfo.available_timezones() - {"UTC", "localtime"})
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


def aware_deadline(day, at, zone: str) -> datetime:
    """The instant ``day`` ``at`` o'clock in ``zone`` (UTC). ValueError for a wall-clock
    time that does not exist there (the hour skipped when clocks go forward)."""
    local = datetime.combine(day, at).replace(tzinfo=zoneinfo.ZoneInfo(zone))
    instant = local.astimezone(UTC)
    if instant.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(f"{at:%H:%M} does not exist on {day} in {zone}: the clocks change then.")
    return instant


class SilenceForm(forms.Form):
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
    deadline_date = forms.DateField(
        label="Deadline: date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give the deadline's date.", "invalid": "Enter a date."},
    )
    deadline_time = forms.TimeField(
        label="Time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Give the deadline's time.", "invalid": "Enter a time."},
    )
    deadline_zone = forms.ChoiceField(
        label="Time zone",
        choices=zone_choices,
        help_text="The time zone of the date and time above, e.g. Africa/Casablanca.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
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
        self.fields["deadline_zone"].initial = settings.TIME_ZONE

    def clean(self):
        data = super().clean()
        day, at, zone = (data.get(k) for k in ("deadline_date", "deadline_time", "deadline_zone"))
        if day and at and zone:
            try:
                data["deadline"] = aware_deadline(day, at, zone)
            except ValueError as error:
                self.add_error("deadline_time", str(error))
        return data


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
