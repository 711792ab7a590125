"""Forms over content fields only; status and position are never form fields."""

from django import forms

from drafting.models import Delegation, Document, Practice, ReviewMeeting, Section

BODY_LIMIT = 20_000
MAX_ID = 2**63 - 1  # the largest id or revision any of our databases stores
REASON_HELP = "Optional. Shown in the history, e.g. “agreed at the Rabat review meeting”."


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("label", "Reason for change")
        kwargs.setdefault("help_text", REASON_HELP)
        super().__init__(**kwargs)


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


class ReasonForm(forms.Form):
    reason = ReasonField()


class MovePracticeForm(forms.Form):
    """Move one place (``direction``) or to a place in any section (``target``).

    ``target`` is "<section id>:first" or "<section id>:<practice id>" (place after it).
    """

    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")], required=False)
    target = forms.CharField(required=False, max_length=50)
    reason = ReasonField()

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document

    def clean(self):
        data = super().clean()
        data["section"], data["after"] = None, None
        if data.get("direction"):
            return data
        section_id, _, after_id = (data.get("target") or "").partition(":")
        if not section_id:
            raise forms.ValidationError("Choose where to move the practice.")
        section = Section.objects.filter(pk=_int(section_id), document=self.document).first()
        if section is None:
            raise forms.ValidationError("That section is not part of this document.")
        data["section"] = section
        if after_id != "first":
            after = Practice.objects.filter(pk=_int(after_id), section=section).first()
            if after is None:
                raise forms.ValidationError(
                    "The practice to place it after is not in that section."
                )
            data["after"] = after
        return data


def _int(value: str) -> int:
    """An id from user input, or 0 (matches nothing) if it is not one the database can hold."""
    try:
        number = int(value)
    except ValueError:
        return 0
    return number if 0 < number <= MAX_ID else 0


class MoveSectionForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
    reason = ReasonField()


class BoundedChoices(forms.ModelMultipleChoiceField):
    """Refuses ids the database cannot hold before asking it (SQLite overflows on them)."""

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdigit() or not 0 < int(pk) <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super()._check_values(value)


class DelegationChoices(BoundedChoices):
    def label_from_instance(self, obj) -> str:
        if obj.kind == Delegation.Kind.MEMBER:
            return obj.name
        return f"{obj.name} ({obj.get_kind_display().lower()})"


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
    reason = ReasonField()

    class Meta:
        model = ReviewMeeting
        fields = ["kind", "status", "title", "theme", "city", "starts_on", "ends_on", "outcome"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "outcome": forms.Textarea(attrs={"rows": 6, "data-editor": "markdown"}),
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
        from drafting.meetings import meeting_problems  # meetings imports forms' models only

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
