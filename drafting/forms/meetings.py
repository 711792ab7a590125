"""Meeting forms: organising a review meeting, and circulating a version for it."""

from __future__ import annotations

from django import forms

from drafting.forms.common import (
    BODY_LIMIT,
    BoundedChoices,
    DelegationChoices,
    ReasonField,
    SeenRevisionField,
)
from drafting.models import Delegation, Document, ReviewMeeting, Section


class MeetingForm(forms.ModelForm):
    """A meeting's facts, participants and agenda. Rules that span fields live in meetings.py."""

    participants = DelegationChoices(
        queryset=Delegation.objects.order_by("kind", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members and non-member partners taking part.",
    )
    agenda = BoundedChoices(
        queryset=Section.objects.select_related("document"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The sections to be discussed; they are taken in the document's order.",
    )
    # The model's TextField has no limit of its own: a pasted novel is refused here, next to
    # the field, instead of being stored and rendered on every meeting page.
    outcome = forms.CharField(
        required=False,
        max_length=BODY_LIMIT,
        label="Outcome",
        help_text="Outcome notes, in Markdown.",
        widget=forms.Textarea(attrs={"rows": 6, "data-editor": "markdown"}),
        error_messages={
            "max_length": f"Keep the outcome notes to {BODY_LIMIT:,} characters "
            "(these have %(show_value)s)."
        },
    )
    reason = ReasonField()
    # Only when editing a saved meeting (removed for a new one in __init__).
    seen_revision = SeenRevisionField()

    class Meta:
        model = ReviewMeeting
        fields = ["kind", "status", "title", "theme", "city", "starts_on", "ends_on", "outcome"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"starts_on": "First day", "ends_on": "Last day", "status": "Status"}
        error_messages = {
            "title": {"required": "Give the meeting a title."},
            "starts_on": {"required": "Give the first day.", "invalid": "Enter a date."},
            "ends_on": {"required": "Give the last day.", "invalid": "Enter a date."},
        }

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        if self.instance.pk is None:
            del self.fields["seen_revision"]
        else:
            self.fields["seen_revision"].initial = self.instance.revision
        # Offer this document's sections; a crafted id of another document's section is
        # still accepted by the field so that meetings.py can say what is wrong with it.
        self.fields["agenda"].choices = [
            (s.pk, s.title) for s in document.sections.order_by("position", "id")
        ]
        if self.instance.pk:
            self.initial.setdefault("participants", list(self.instance.participants.all()))
            self.initial.setdefault(
                "agenda", [i.section_id for i in self.instance.agenda.order_by("position")]
            )

    def clean_agenda(self):
        sections = list(self.cleaned_data.get("agenda") or [])
        return sorted(sections, key=lambda s: (s.document_id != self.document.pk, s.position, s.pk))

    def clean(self):
        from drafting.actions.meetings import meeting_problems

        data = super().clean()
        if self.errors:
            return data
        for field, message in meeting_problems(
            self.document,
            kind=data.get("kind"),
            status=data.get("status"),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            agenda=data.get("agenda") or [],
            meeting=self.instance if self.instance.pk else None,
        ).items():
            self.add_error(field, message)
        return data

    def _post_clean(self):
        # The model's CheckConstraint repeats meetings.py's date rule; report it once.
        super()._post_clean()
        if "ends_on" in self.errors and "__all__" in self.errors:
            del self.errors["__all__"]


class CirculateForm(forms.Form):
    name = forms.CharField(
        required=False,
        max_length=200,
        label="Version name",
        help_text="Leave empty for “Draft for the <meeting title>”.",
    )
