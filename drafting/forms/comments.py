"""Comment forms: a comment on a section or practice, and a reply."""

from __future__ import annotations

from django import forms

from drafting.models import Practice, Section


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment",
        help_text="Markdown allowed.",
        error_messages={"required": "Write something first."},
    )
    practice = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, section: Section | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section

    def clean_practice(self) -> Practice | None:
        pk = self.cleaned_data.get("practice")
        if pk is None:
            return None
        practice = Practice.objects.filter(pk=pk, section=self.section).first()
        if practice is None:
            raise forms.ValidationError("That practice is not in this section.")
        return practice


class ReplyForm(forms.Form):
    body = forms.CharField(
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reply",
        error_messages={"required": "Write something first."},
    )
