"""People forms: inviting a person, changing a role, deactivating, filtering the list.

Forms check the shape of what was typed (an e-mail address, a listed role, a listed
delegation); the rules that need the database under lock (an address already in use,
the last member of the secretariat) are drafting.actions.people's.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from drafting.forms.common import ReasonField
from drafting.models import Delegation, ExpertProfile
from drafting.reads.people import NO_ROLE

ROLE_HELP = (
    "Experts edit and propose amendments for their delegation; the secretariat also "
    "reviews, approves and manages people; observers read only."
)


class DelegationField(forms.ModelChoiceField):
    """A listed delegation; a forged or stale id is refused next to the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Delegation.objects.order_by("name"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", "— none —")
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": "That delegation does not exist. Choose one listed."},
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        # A value no database id can be ("12abc", 40 digits) is the same refusal, not a 500.
        if value not in self.empty_values and not (
            str(value).isascii() and str(value).isdigit() and 0 < int(value) < 2**63
        ):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


def _role_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=ExpertProfile.Role.choices,
        help_text=ROLE_HELP,
        error_messages={
            "invalid_choice": "Choose expert, secretariat or observer.",
            "required": "Choose a role.",
        },
        **kwargs,
    )


def validate_person_name(value: str) -> None:
    """A name is one line of letters: no control characters (a line break would start a new
    line in the invitation e-mail) and no bidirectional overrides (which reorder how the
    name reads on every page). Unicode letters of any script are welcome."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" or (category == "Cf" and char not in _JOINERS):
            raise ValidationError(
                "A name holds letters, spaces and punctuation only: no line breaks, tabs "
                "or invisible direction marks."
            )


# Zero-width (non-)joiners shape Persian, Arabic and Indic names: allowed.
_JOINERS = {"\u200c", "\u200d"}


class InviteForm(forms.Form):
    first_name = forms.CharField(
        label="Given name", max_length=150, validators=[validate_person_name]
    )
    last_name = forms.CharField(
        label="Family name", max_length=150, required=False, validators=[validate_person_name]
    )
    email = forms.EmailField(
        label="E-mail address",
        max_length=150,
        help_text="The invitation goes here; it is also their username.",
        error_messages={
            "invalid": "Enter an e-mail address such as name@example.org.",
            "required": "Give the person's e-mail address.",
        },
    )
    delegation = DelegationField(help_text="The delegation they speak for (required for experts).")
    role = _role_field(initial=ExpertProfile.Role.EXPERT)
    reason = ReasonField(label="Note", help_text="Optional. Kept in the person's record.")


class RoleForm(forms.Form):
    role = _role_field()
    delegation = DelegationField(help_text="Required for experts.")
    reason = ReasonField(help_text="Optional. Kept in the person's record.")


class AccountReasonForm(forms.Form):
    reason = ReasonField(help_text="Optional. Kept in the person's record.")


class PeopleFilterForm(forms.Form):
    delegation = DelegationField(empty_label="All delegations")
    role = forms.ChoiceField(
        required=False,
        choices=[("", "All roles"), *ExpertProfile.Role.choices, (NO_ROLE, "No drafting role")],
        error_messages={"invalid_choice": "Choose a role from the list."},
    )
