"""What the forms share: limits, the reason field, id checks, meeting choices."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import cache

from django import forms
from django.conf import settings

from drafting.models import (
    Delegation,
    Document,
    ReviewMeeting,
)
from drafting.text import MAX_LENGTH

BODY_LIMIT = MAX_LENGTH  # the text format's own limit (drafting/text.py)
MAX_ID = 2**63 - 1  # the largest id or revision any of our databases stores
REASON_HELP = "Optional. Shown in the history, e.g. “agreed at the Rabat review meeting”."


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("label", "Reason for change")
        kwargs.setdefault("help_text", REASON_HELP)
        super().__init__(**kwargs)


class SeenRevisionField(forms.IntegerField):
    """The revision of the row the page showed, sent back so a change from a stale page
    (or a second click) is refused rather than applied to something else."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault(
            "error_messages",
            {
                "required": "This page did not say which version of the text it showed.",
                "invalid": "This page did not say which version of the text it showed.",
            },
        )
        super().__init__(**kwargs)


class ReasonForm(forms.Form):
    reason = ReasonField()


def _int(value: str) -> int:
    """An id from user input, or 0 (matches nothing) if it is not one the database can hold."""
    try:
        number = int(value)
    except ValueError:
        return 0
    return number if 0 < number <= MAX_ID else 0


class BoundedChoices(forms.ModelMultipleChoiceField):
    """Refuses ids the database cannot hold before asking it (SQLite overflows on them)."""

    def _check_values(self, value):
        for pk in value:
            if not (str(pk).isascii() and str(pk).isdigit()) or not 0 < int(pk) <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super()._check_values(value)


class DelegationChoices(BoundedChoices):
    def label_from_instance(self, obj) -> str:
        if obj.kind == Delegation.Kind.MEMBER:
            return obj.name
        return f"{obj.name} ({obj.get_kind_display().lower()})"


TEXT_WIDGET = forms.Textarea(attrs={"rows": 4})


def _meeting_field(document: Document, *, label: str, queryset=None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=queryset
        if queryset is not None
        else ReviewMeeting.objects.filter(document=document).order_by("starts_on", "id"),
        required=False,
        label=label,
        empty_label="— none —",
    )


def _decided_at_field(document: Document) -> forms.ModelChoiceField:
    """ "Decided at meeting", preselecting a meeting of the document running today."""
    from drafting.reads.meetings import running_meetings  # it imports workflow.py

    field = _meeting_field(document, label="Decided at meeting")
    running = running_meetings(document)
    field.initial = running[0] if running else None
    field.help_text = "Optional. Defaults to a meeting taking place today."
    return field


# --- Deadlines (comment periods, silence procedures): a date, a time and a time zone --------


@cache
def zone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone, UTC first ("Africa/Casablanca", "America/New_York", …)."""
    zones = sorted(zoneinfo.available_timezones() - {"UTC", "localtime"})
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


def aware_deadline(day, at, zone: str) -> datetime:
    """The instant ``day`` ``at`` o'clock in ``zone``, in UTC. ValueError for a wall-clock
    time that does not exist there (the hour skipped when clocks go forward)."""
    local = datetime.combine(day, at).replace(tzinfo=zoneinfo.ZoneInfo(zone))
    instant = local.astimezone(UTC)
    if instant.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(f"{at:%H:%M} does not exist on {day} in {zone}: the clocks change then.")
    return instant


class DeadlineForm(forms.Form):
    """A deadline typed as a date, a time and a time zone; ``cleaned_data["deadline"]`` is
    the instant in UTC (aware_deadline). The zone is kept too: pages show the deadline in
    the zone it was given in."""

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
