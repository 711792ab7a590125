"""Position forms: a delegation's position on a practice; the secretariat's record of
reservations and of agreement."""

from __future__ import annotations

from django import forms

from drafting.forms.common import MAX_ID, SeenRevisionField, _decided_at_field
from drafting.models import POSITION_TEXT_LIMIT, Agreement, Document, Position

_PAGE_SAW = {
    "required": "This page did not say which position it showed; reload it.",
    "invalid": "This page did not say which position it showed; reload it.",
}


class PositionForm(forms.Form):
    """The position of the delegation named in the form (the action checks it is the user's)."""

    delegation = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        widget=forms.HiddenInput,
        error_messages={
            "required": "This page did not say for which delegation; reload it.",
            "invalid": "This page did not say for which delegation; reload it.",
        },
    )
    stance = forms.ChoiceField(
        choices=Position.Stance.choices,
        widget=forms.RadioSelect,
        label="Position",
        error_messages={
            "required": "Choose support, reservation, objection or no position.",
            "invalid_choice": "Choose support, reservation, objection or no position.",
        },
    )
    text = forms.CharField(
        required=False,
        max_length=POSITION_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Statement",
        help_text="Required for a reservation or an objection; recorded in these words.",
    )
    seen_revision = forms.IntegerField(
        min_value=0, max_value=MAX_ID, widget=forms.HiddenInput, error_messages=_PAGE_SAW
    )


class RecordForm(forms.Form):
    """Accept a reservation for the record (``on_record`` 1) or take it off (0)."""

    on_record = forms.TypedChoiceField(
        choices=[("1", "On the record"), ("0", "Off the record")],
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
        error_messages={"required": "Say whether it goes on the record."},
    )
    seen_revision = forms.IntegerField(
        min_value=1, max_value=MAX_ID, widget=forms.HiddenInput, error_messages=_PAGE_SAW
    )


class AgreementForm(forms.Form):
    """The secretariat records a practice agreed ad referendum, agreed, or not agreed."""

    status = forms.ChoiceField(
        choices=Agreement.Status.choices,
        label="Agreement",
        error_messages={
            "required": "Choose agreed ad referendum, agreed or not agreed.",
            "invalid_choice": "Choose agreed ad referendum, agreed or not agreed.",
        },
    )
    seen_revision = SeenRevisionField()

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = _decided_at_field(document)
        self.fields["meeting"].label = "Agreed at meeting"
