"""Square-bracket forms: bracket a passage, support an alternative, resolve a bracket.

The forms parse and bound what was sent; whether the passage is in the text, the
bracket still there and the delegation the user's own is the action's to say,
under lock (drafting/actions/brackets.py).
"""

from __future__ import annotations

import re

from django import forms

from drafting.brackets import FIELDS
from drafting.forms.common import (
    MAX_ID,
    ReasonField,
    SeenRevisionField,
    _decided_at_field,
)
from drafting.forms.common import DelegationChoices as _Choices
from drafting.models import Delegation, Document

FIELD_CHOICES = [("heading", "The lead sentence (bold)"), ("body", "The explanatory text")]
ALTERNATIVES = 2  # alternatives offered besides the passage itself; more are added by support


class DelegationChoices(_Choices):
    """Delegations named by their short code too: the code is what the bracket prints."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.code} — {super().label_from_instance(obj)}"


def _delegations(label: str, *, required: bool) -> DelegationChoices:
    return DelegationChoices(
        queryset=Delegation.objects.order_by("code"),
        required=required,
        label=label,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        error_messages={
            "required": "Choose at least one delegation proposing this text.",
            "invalid_choice": "That delegation does not exist.",
            "invalid_pk_value": "That delegation does not exist.",
        },
    )


_SYNTAX = re.compile(r"\[\[|\]\]|[{}]")


class BracketForm(forms.Form):
    """Put a passage in brackets with up to two alternatives, each with its delegations."""

    field = forms.ChoiceField(choices=FIELD_CHOICES, label="Where is the passage?")
    passage = forms.CharField(
        max_length=1000,
        label="Passage to bracket",
        help_text="Copy the words exactly as they are in the text, e.g. “should”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Copy the words to put in brackets from the text."},
    )
    delegations = _delegations("Delegations keeping this wording", required=False)
    base_revision = SeenRevisionField()
    reason = ReasonField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "delegations"
        ].help_text = "Optional. Leave empty for the text as it stands (printed “[should]”)."
        for n in range(1, ALTERNATIVES + 1):
            self.fields[f"alternative_{n}"] = forms.CharField(
                required=False,
                max_length=1000,
                label=f"Alternative {n}" + (" (optional)" if n > 1 else ""),
                help_text="The other wording proposed, e.g. “may”. "
                "Leave empty to bracket the passage alone (kept or dropped later).",
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"alternative_{n}_delegations"] = _delegations(
                f"Delegations proposing alternative {n}", required=False
            )
        self.order_fields(
            ["field", "passage", "delegations"]
            + [f"alternative_{n}{end}" for n in range(1, 3) for end in ("", "_delegations")]
        )

    def clean(self) -> dict:
        data = super().clean()
        for n in range(1, ALTERNATIVES + 1):
            text, who = data.get(f"alternative_{n}"), data.get(f"alternative_{n}_delegations")
            if text and not who and f"alternative_{n}_delegations" not in self.errors:
                self.add_error(
                    f"alternative_{n}_delegations",
                    "Choose the delegations proposing this alternative.",
                )
            if who and not text:
                self.add_error(f"alternative_{n}", "Write what these delegations propose.")
            if text and _SYNTAX.search(text):
                # Bracket marks typed into an alternative would make brackets of their own,
                # attributed to delegations nobody chose in this form.
                self.add_error(
                    f"alternative_{n}",
                    "Write the wording only: [[, ]], { and } make brackets of their own.",
                )
        return data

    def alternatives(self) -> list[tuple[str, list[Delegation]]]:
        data = self.cleaned_data
        return [
            (data[f"alternative_{n}"], list(data[f"alternative_{n}_delegations"]))
            for n in range(1, ALTERNATIVES + 1)
            if data.get(f"alternative_{n}")
        ]


class _Which(forms.Form):
    field = forms.ChoiceField(choices=[(k, v) for k, v in FIELDS.items()])
    bracket = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    base_revision = SeenRevisionField()


class SupportForm(_Which):
    """ "Support this alternative": the user's delegation (the secretariat names one)."""

    alternative = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    delegation = forms.ModelChoiceField(
        queryset=Delegation.objects.all(),
        required=False,
        label="For the delegation",
        error_messages={"invalid_choice": "That delegation does not exist."},
    )


class ResolveForm(_Which):
    """Resolve one bracket: the outcome ("keep-2", "merge" or "drop"), and the meeting.

    One radio group says everything, so the page needs no script: "keep-<n>" keeps
    alternative n, "merge" replaces the bracket with ``merged``, "drop" removes it.
    """

    outcome = forms.RegexField(
        regex=r"^(keep-[1-9][0-9]{0,3}|merge|drop)$",
        max_length=10,
        label="Decision",
        error_messages={
            "required": "Choose what is decided: keep an alternative, merge, or drop.",
            "invalid": "Choose what is decided: keep an alternative, merge, or drop.",
        },
    )
    merged = forms.CharField(
        required=False,
        max_length=1000,
        label="Merged text",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(required=False, max_length=500, label="Note for the history")

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = _decided_at_field(document)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("outcome") == "merge" and not (data.get("merged") or "").strip():
            self.add_error("merged", "Write the merged text that replaces the bracket.")
        return data

    def arguments(self) -> dict:
        data = self.cleaned_data
        outcome = data["outcome"]
        return {
            "field": data["field"],
            "bracket": data["bracket"],
            "base_revision": data["base_revision"],
            "keep": int(outcome[5:]) if outcome.startswith("keep-") else None,
            "merged": data.get("merged") if outcome == "merge" else None,
            "meeting": data.get("meeting"),
            "note": data.get("note") or "",
        }
