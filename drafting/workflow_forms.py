"""Forms of the review workflow: transitions, named versions, amendments and comments.

Kept out of forms.py (the editing forms) so the two can change independently. As
everywhere, status is never a form field: a form carries what a person types
(a reason, a note, a text) and the workflow function decides the state.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils import timezone

from drafting.forms import BODY_LIMIT
from drafting.models import Amendment, Document, Practice, ReviewMeeting, Section, Version
from drafting.workflow import Transition

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
    from drafting.meetings import running_meetings  # meetings.py imports workflow.py

    field = _meeting_field(document, label="Decided at meeting")
    running = running_meetings(document)
    field.initial = running[0] if running else None
    field.help_text = "Optional. Defaults to a meeting taking place today."
    return field


class TransitionForm(forms.Form):
    """What a transition needs from the person taking it: a reason, a meeting or a date."""

    def __init__(self, *args, transition: Transition, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        if transition.name == "approve":
            self.fields["note"] = forms.CharField(
                required=False,
                max_length=2000,
                widget=TEXT_WIDGET,
                label="Approval note",
                help_text="Optional. Recorded with the approval, e.g. “agreed in Rabat”.",
            )
        else:
            self.fields["reason"] = forms.CharField(
                required=transition.reason_required,
                max_length=2000,
                widget=TEXT_WIDGET,
                label="Reason",
                help_text=(
                    "Required: it is recorded in the history."
                    if transition.reason_required
                    else "Optional. Recorded in the history."
                ),
                error_messages={"required": f"Say why it is being {transition.done}."},
            )
        if transition.name == "submit":
            self.fields["meeting"] = forms.ModelChoiceField(
                queryset=ReviewMeeting.objects.filter(
                    document=document, kind=ReviewMeeting.Kind.MINISTERIAL
                )
                .exclude(status=ReviewMeeting.Status.CANCELLED)
                .order_by("starts_on", "id"),
                label="Ministerial plenary",
                initial=document.target_meeting_id,
                error_messages={"required": "Choose the ministerial plenary."},
            )
        if transition.name == "adopt":
            meeting = document.target_meeting
            default = meeting.ends_on if meeting else timezone.localdate()
            self.fields["adopted_on"] = forms.DateField(
                label="Adopted on",
                initial=min(default, timezone.localdate()),
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"required": "Give the date of adoption."},
            )

    def arguments(self) -> dict:
        """Keyword arguments for the workflow function."""
        return dict(self.cleaned_data)


class VersionForm(forms.ModelForm):
    class Meta:
        model = Version
        fields = ["name", "note", "meeting"]
        widgets = {"note": TEXT_WIDGET}
        labels = {"name": "Name", "note": "Note", "meeting": "For meeting"}
        help_texts = {"name": "e.g. “Draft 2 — circulated to members”."}

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = _meeting_field(document, label="For meeting")
        self.fields["meeting"].help_text = "Optional."


def _rationale_field() -> forms.CharField:
    return forms.CharField(
        max_length=10_000,
        widget=TEXT_WIDGET,
        label="Rationale",
        help_text="Why should the text change? Markdown allowed.",
        error_messages={"required": "Give a rationale: why should the text change?"},
    )


class _TextFields(forms.Form):
    heading = forms.CharField(
        max_length=1000,
        label="Heading",
        error_messages={"required": "A practice needs a heading."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        required=False,
        max_length=BODY_LIMIT,
        label="Text",
        widget=forms.Textarea(attrs={"rows": 10, "data-editor": "markdown"}),
        help_text="Markdown: *italic*, **bold**, - lists, [links](https://…), footnotes[^1].",
    )


class ChangeAmendmentForm(_TextFields):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    rationale = _rationale_field()


class DeletionAmendmentForm(forms.Form):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    rationale = _rationale_field()


def _placement_field(practices: list, numbers: dict[int, int]) -> forms.ChoiceField:
    choices = [("first", "At the start of the section")] + [
        (str(p.pk), f"After Good Practice {numbers.get(p.pk, '?')}: {str(p)[:60]}")
        for p in practices
    ]
    return forms.ChoiceField(choices=choices, label="Place")


class NewPracticeAmendmentForm(_TextFields):
    rationale = _rationale_field()

    def __init__(self, *args, practices: list[Practice], numbers: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.practices = {p.pk: p for p in practices}
        self.fields["after"] = _placement_field(practices, numbers)
        self.order_fields(["after", "heading", "body", "rationale"])

    def clean_after(self) -> Practice | None:
        value = self.cleaned_data["after"]
        return None if value == "first" else self.practices[int(value)]


class AcceptForm(forms.Form):
    """Accepting: a note, optionally a meeting, and (when text is involved) the text to apply."""

    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=TEXT_WIDGET,
        label="Decision note",
        help_text="Optional. The proposer sees it.",
    )
    seen_revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(
        self,
        *args,
        amendment: Amendment,
        practices: Sequence[Practice] = (),
        numbers: dict[int, int] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.amendment = amendment
        self.practices = {p.pk: p for p in practices}
        if amendment.kind != Amendment.Kind.DELETE:
            text = _TextFields()
            self.fields["heading"] = text.fields["heading"]
            self.fields["body"] = text.fields["body"]
            self.fields["heading"].label = "Heading to apply"
            self.fields["body"].label = "Text to apply"
        if amendment.kind == Amendment.Kind.NEW:
            self.fields["after"] = _placement_field(practices, numbers or {})
        self.fields["meeting"] = _decided_at_field(amendment.section.document)

    def arguments(self) -> dict:
        data = self.cleaned_data
        args = {
            "note": data["note"],
            "seen_revision": data.get("seen_revision"),
            "meeting": data.get("meeting"),
        }
        if "heading" in data:
            args["heading"], args["body"] = data["heading"], data["body"]
        if "after" in data:
            if data["after"] == "first":
                args["first"] = True
            else:
                args["after"] = self.practices[int(data["after"])]
        return args


class RejectForm(forms.Form):
    note = forms.CharField(
        max_length=2000,
        widget=TEXT_WIDGET,
        label="Why is it rejected?",
        help_text="The proposer sees this note.",
        error_messages={
            "required": "Say why the amendment is rejected; the proposer will read it."
        },
    )

    def __init__(self, *args, amendment: Amendment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = _decided_at_field(amendment.section.document)


class WithdrawForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000, label="Reason (optional)")


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
