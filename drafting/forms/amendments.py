"""Amendment forms: propose a change, a deletion or a new practice; accept, reject, withdraw."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from drafting.forms.common import BODY_LIMIT, TEXT_WIDGET, _decided_at_field
from drafting.models import Amendment, Practice
from drafting.models.documents import practice_label
from drafting.text import validate_line, validate_markdown


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
        validators=[validate_line],
        label="Heading",
        error_messages={"required": "A practice needs a heading."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        required=False,
        # The text format's rule checks the length too: max_length would say it twice.
        validators=[validate_markdown],
        label="Text",
        widget=forms.Textarea(
            attrs={"rows": 10, "data-editor": "markdown", "maxlength": BODY_LIMIT}
        ),
        help_text="Markdown: *italic*, **bold**, - lists, [links](https://…), footnotes[^1].",
    )


class ChangeAmendmentForm(_TextFields):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    rationale = _rationale_field()


class DeletionAmendmentForm(forms.Form):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    rationale = _rationale_field()


def _placement_field(practices: list, numbers: dict[int, int], term: str) -> forms.ChoiceField:
    choices = [("first", "At the start of the section")] + [
        (str(p.pk), f"After {practice_label(term, numbers.get(p.pk, '?'))}: {str(p)[:60]}")
        for p in practices
    ]
    return forms.ChoiceField(choices=choices, label="Place")


class NewPracticeAmendmentForm(_TextFields):
    rationale = _rationale_field()

    def __init__(
        self,
        *args,
        practices: list[Practice],
        numbers: dict[int, int],
        term: str = "Good Practice",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.practices = {p.pk: p for p in practices}
        self.fields["after"] = _placement_field(practices, numbers, term)
        self.order_fields(["after", "heading", "body", "rationale"])

    def clean_after(self) -> Practice | None:
        value = self.cleaned_data["after"]
        return None if value == "first" else self.practices[int(value)]


ACCEPT_HOW = [
    ("replace", "Replace the text with the proposal"),
    ("alternative", "Add it as an alternative in square brackets (the current text stays)"),
]


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
            self.fields["after"] = _placement_field(
                practices, numbers or {}, amendment.section.document.label_term
            )
        if amendment.kind == Amendment.Kind.CHANGE:
            self.fields["how"] = forms.ChoiceField(
                choices=ACCEPT_HOW,
                initial="replace",
                required=False,  # not sent: replace, as before alternatives existed
                widget=forms.RadioSelect,
                label="How to apply it",
                help_text="As an alternative, the passage the amendment changes goes in square "
                "brackets: the current wording next to the proposed one, attributed to "
                f"{amendment.delegation.code}, until the bracket is resolved.",
            )
            self.order_fields(["how"])
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
        if data.get("how") == "alternative":
            args["as_alternative"] = True
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
