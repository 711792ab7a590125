"""Practice forms: edit, add and move; content fields only (status and position never are)."""

from __future__ import annotations

from django import forms

from drafting.forms.common import BODY_LIMIT, MAX_ID, ReasonField, SeenRevisionField, _int
from drafting.models import Practice


class PracticeForm(forms.ModelForm):
    """Edit a practice; ``base_revision`` is the revision the editor started from."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    reason = ReasonField()

    class Meta:
        model = Practice
        fields = ["heading", "body"]
        widgets = {
            "heading": forms.TextInput(attrs={"autocomplete": "off"}),
            "body": forms.Textarea(attrs={"rows": 10, "data-editor": "markdown"}),
        }
        labels = {"heading": "Heading", "body": "Text"}
        error_messages = {"heading": {"required": "A practice needs a heading."}}
        help_texts = {
            "heading": "The lead sentence, shown in bold.",
            "body": "Markdown: *italic*, **bold**, - lists, [links](https://…), footnotes[^1].",
        }

    def __init__(self, *args, meetings=None, running=None, **kwargs):
        """``meetings``: offer a "decided at" choice, preselecting ``running``."""
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["meeting"] = forms.ModelChoiceField(
                queryset=meetings,
                required=False,
                label="Decided at",
                empty_label="— not at a meeting —",
                initial=running,
                help_text="Tag this change with the meeting where it was agreed.",
            )

    def clean_heading(self) -> str:
        heading = " ".join(self.cleaned_data["heading"].split())
        if not heading:
            raise forms.ValidationError("A practice needs a heading.")
        return heading

    def clean_body(self) -> str:
        body = self.cleaned_data.get("body", "").replace("\r\n", "\n")
        if len(body) > BODY_LIMIT:
            raise forms.ValidationError(
                f"The text is {len(body):,} characters long; the limit is {BODY_LIMIT:,}. "
                "Split it into several practices."
            )
        return body


class NewPracticeForm(PracticeForm):
    base_revision = None

    class Meta(PracticeForm.Meta):
        pass


class MovePracticeForm(forms.Form):
    """Move one place (``direction``) or to a place in any section (``target``).

    ``target`` is "<section id>:first" or "<section id>:<practice id>" (place after
    it). ``seen_revision`` is the practice's revision on the page the user moved it
    from: the move is refused as stale if the practice changed since. The form only
    parses ids; whether the place still exists is the action's to say, under lock.
    """

    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")], required=False)
    target = forms.CharField(required=False, max_length=50)
    reason = ReasonField()
    seen_revision = SeenRevisionField()

    def clean(self):
        data = super().clean()
        data["section_id"], data["after_id"] = None, None
        if data.get("direction"):
            return data
        section_id, _, after_id = (data.get("target") or "").partition(":")
        if not section_id:
            raise forms.ValidationError("Choose where to move the practice.")
        data["section_id"] = _int(section_id)
        if not data["section_id"]:
            raise forms.ValidationError("That section is not part of this document.")
        if after_id != "first":
            data["after_id"] = _int(after_id)
            if not data["after_id"]:
                raise forms.ValidationError("Choose a practice to place it after.")
        return data
