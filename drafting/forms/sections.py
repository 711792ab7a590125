"""Section forms: edit, add and move; content fields only (status and position never are)."""

from __future__ import annotations

from django import forms

from drafting.forms.common import BODY_LIMIT, MAX_ID, ReasonField, SeenRevisionField
from drafting.models import Section


class SectionForm(forms.ModelForm):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    reason = ReasonField()

    class Meta:
        model = Section
        fields = ["title", "introduction"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 5, "data-editor": "markdown"})}
        error_messages = {"title": {"required": "A section needs a title."}}

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("A section needs a title.")
        return title

    def clean_introduction(self) -> str:
        intro = self.cleaned_data.get("introduction", "").replace("\r\n", "\n")
        if len(intro) > BODY_LIMIT:
            raise forms.ValidationError(
                f"The introduction is limited to {BODY_LIMIT:,} characters."
            )
        return intro


class NewSectionForm(SectionForm):
    base_revision = None

    class Meta(SectionForm.Meta):
        pass


class MoveSectionForm(forms.Form):
    """One place up or down, from a page that showed the section at ``seen_revision``."""

    direction = forms.ChoiceField(
        choices=[("up", "Up"), ("down", "Down")],
        error_messages={"required": "Choose whether to move the section up or down."},
    )
    reason = ReasonField()
    seen_revision = SeenRevisionField()
