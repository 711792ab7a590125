"""Notification preferences: one choice (at once, daily digest, no e-mail) per kind."""

from __future__ import annotations

from django import forms

from drafting.models.notifications import Delivery, Kind

INVALID = "Choose at once, daily digest or no e-mail."


class PreferencesForm(forms.Form):
    """A field per kind the person can receive (``kinds``), named by the kind."""

    def __init__(self, *args, kinds: list[str], initial_choices: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Kind.choices)
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(
                label=labels[kind],
                choices=Delivery.choices,
                initial=initial_choices.get(kind),
                error_messages={"invalid_choice": INVALID, "required": INVALID},
            )
