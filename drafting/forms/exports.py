"""The redline form: two points in a document's history (version, meeting, date or now) and
a format. Validation turns the choices into ``Point``s and refuses a start after the end."""

from __future__ import annotations

from django import forms

from drafting.export import FORMATS, LABELS
from drafting.history import points
from drafting.models import Document

DATE_CHOICE = "date"


class RedlineForm(forms.Form):
    start = forms.ChoiceField(label="Changes since")
    start_date = forms.DateTimeField(
        label="Date (when “a date” is chosen)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.ChoiceField(label="Up to", initial="now")
    end_date = forms.DateTimeField(
        label="Date (when “a date” is chosen)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    format = forms.ChoiceField(
        choices=[(k, LABELS[k]) for k in FORMATS], initial="pdf", label="Format"
    )

    def __init__(self, *args, document: Document, versions, meetings, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        self._points: dict[str, points.Point] = {"now": points.NOW}
        choices: list[tuple[str, str]] = [("now", "Now (current text)")]
        for version in versions:
            self._points[f"v{version.pk}"] = points.of_version(version)
            choices.append((f"v{version.pk}", f"Version: {version.name}"))
        for meeting in meetings:
            self._points[f"m{meeting.pk}"] = points.of_meeting(meeting)
            choices.append((f"m{meeting.pk}", f"Opening of: {meeting.title}"))
        choices.append((DATE_CHOICE, "A date…"))
        self.fields["start"].choices = choices
        self.fields["end"].choices = choices
        if versions:
            self.fields["start"].initial = f"v{versions[-1].pk}"

    def _point(self, which: str) -> points.Point | None:
        choice = self.cleaned_data.get(which)
        if choice == DATE_CHOICE:
            when = self.cleaned_data.get(f"{which}_date")
            if when is None:
                self.add_error(f"{which}_date", "Give the date and time.")
                return None
            return points.at(when)
        return self._points.get(choice or "")

    def clean(self) -> dict:
        data = super().clean()
        start, end = self._point("start"), self._point("end")
        if start and end:
            try:
                points.check_order(start, end)
            except points.PointError as error:
                raise forms.ValidationError(str(error)) from None
        data["start_point"], data["end_point"] = start, end
        return data
