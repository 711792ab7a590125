"""The fields a merge page adds to an editor's form (the text fields stay the editor's own)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from drafting.forms import BODY_LIMIT, MAX_ID


class MergeStepForm(forms.Form):
    """Where in a merge a post comes from, and what it carries besides the text.

    ``step``: "" for an ordinary save, "choose" from the page asking for a choice per
    conflict region (its text fields hold the expert's own text), "review" from the
    page showing the merged text (its text fields hold that text, possibly edited).
    Region choices arrive as ``choice-<region>`` fields and are read by the merge.
    """

    step = forms.ChoiceField(
        choices=[("", "Save"), ("choose", "Choose per region"), ("review", "Review merge")],
        required=False,
    )
    seen_revision = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    merge_base = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    regions = forms.CharField(max_length=64, required=False)
    confirm_drop = forms.CharField(max_length=64, required=False)

    def __init__(self, *args, names: Sequence[str], **kwargs) -> None:
        """``names``: the editor's two text fields; their ``mine_<name>`` copies are added."""
        super().__init__(*args, **kwargs)
        self.names = tuple(names)
        for name in self.names:
            self.fields[f"mine_{name}"] = forms.CharField(
                required=False, strip=False, max_length=BODY_LIMIT
            )

    def clean(self) -> dict:
        """Normalise the carried texts; refuse a choose or review post missing its context."""
        data = super().clean()
        for name in self.names:
            data[f"mine_{name}"] = (data.get(f"mine_{name}") or "").replace("\r\n", "\n")
        step = data.get("step")
        if step == "choose" and not (data.get("seen_revision") and data.get("regions")):
            raise forms.ValidationError(
                "This comparison form is incomplete. Your text is kept below; save it again "
                "to compare it with the current text."
            )
        if step == "review" and not data.get("merge_base"):
            raise forms.ValidationError(
                "This merge form is incomplete. Your text is kept below; save it again "
                "to compare it with the current text."
            )
        return data

    @property
    def mine(self) -> dict[str, str] | None:
        """The expert's own text carried through a review page, or None if it was not."""
        texts = {n: self.cleaned_data.get(f"mine_{n}", "") for n in self.names}
        carried = any(f"mine_{n}" in self.data for n in self.names)
        return texts if carried else None
