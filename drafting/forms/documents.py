"""Document forms: the "New document" and "Edit document details" pages.

Content fields only: status, adoption and revision are never form fields. The
label term is free text with the usual terms offered as suggestions.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.text import slugify

from drafting.actions.documents import DETAIL_FIELDS
from drafting.forms.common import BODY_LIMIT, ReasonField, SeenRevisionField
from drafting.models import Delegation, Document, WorkingGroup
from drafting.models.documents import FIRST_NUMBER_MAX

# Words, spaces, hyphens, apostrophes and full stops: "Good Practice", "Principe directeur".
_TERM = re.compile(r"^\w[\w .'’-]*$")
_FORGED = "That choice is not in the list; choose one of those offered."


class DocumentForm(forms.ModelForm):
    """The details of a document, as the secretariat sets them up."""

    co_leads = forms.ModelMultipleChoiceField(
        queryset=Delegation.objects.order_by("name"),
        required=False,
        label="Co-leading delegations",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _FORGED, "invalid_pk_value": _FORGED},
    )
    numbering = forms.ChoiceField(
        choices=[
            (
                Document.Numbering.CONTINUOUS,
                "Renumber continuously — practices are numbered one after another; inserting, "
                "moving or deleting one renumbers those after it.",
            ),
            (
                Document.Numbering.KEEP,
                "Keep numbers — every practice keeps its number; one inserted after 7 is "
                "“7 bis”, then “7 ter”, and a deleted one leaves a gap until the secretariat "
                "renumbers in one recorded step (Renumber now).",
            ),
        ],
        initial=Document.Numbering.CONTINUOUS,
        widget=forms.RadioSelect,
        label="Numbering",
        help_text="Switching to keep numbers keeps the present numbers; switching back to "
        "renumber continuously renumbers at once.",
        error_messages={"invalid_choice": _FORGED},
    )

    class Meta:
        model = Document
        fields = list(DETAIL_FIELDS)  # the ones the actions write, in page order
        labels = {
            "short_title": "Short title",
            "label_term": "Label term",
            "first_number": "First number",
            "implementing_partner": "Implementing partner",
            "introduction": "Introduction (front matter, optional)",
        }
        help_texts = {
            "short_title": "Used in menus, breadcrumbs and file names.",
            "introduction": "The preamble printed before the first section.",
        }
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 6, "data-editor": "markdown"}),
            "label_term": forms.TextInput(attrs={"list": "label-terms", "autocomplete": "off"}),
            "first_number": forms.NumberInput(attrs={"min": 1, "max": FIRST_NUMBER_MAX}),
        }
        error_messages = {
            "title": {"required": "A document needs a title."},
            "short_title": {"required": "Give a short title (used in menus and file names)."},
            "forum": {"required": "Name the forum that adopts the document."},
            "label_term": {
                "required": "Say what each numbered item is called, e.g. “Good Practice”.",
                "max_length": "The label term is limited to %(limit_value)d characters.",
            },
            "first_number": {
                "required": "Give the number of the first practice (usually 1).",
                "invalid": "The first number must be a whole number, such as 1 or 20.",
                "min_value": "The first number must be 1 or more.",
                "max_value": f"The first number cannot be more than {FIRST_NUMBER_MAX}.",
            },
            "working_group": {"invalid_choice": _FORGED},
            "implementing_partner": {"invalid_choice": _FORGED},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's PositiveIntegerField says min 0 to the browser; the rule is 1 or more.
        self.fields["first_number"].widget.attrs["min"] = 1
        self.fields["working_group"].queryset = WorkingGroup.objects.order_by("name")
        self.fields["implementing_partner"].queryset = Delegation.objects.order_by("name")
        self.fields["pretitle"].label = "Line above the title (optional)"
        self.fields["initiative"].label = "Initiative (optional)"
        self.fields["working_group"].label = "Working group (optional)"
        self.fields["implementing_partner"].label = "Implementing partner (optional)"
        if self.instance.pk:
            self.fields["co_leads"].initial = list(self.instance.co_leads.all())
        self.order_fields(
            ["pretitle", "title", "short_title", "slug", "forum", "initiative", "working_group"]
            + ["co_leads", "implementing_partner", "label_term", "first_number", "numbering"]
        )

    def _one_line(self, name: str) -> str:
        return " ".join((self.cleaned_data.get(name) or "").split())

    def clean_title(self) -> str:
        title = self._one_line("title")
        if not title:
            raise forms.ValidationError("A document needs a title.")
        return title

    def clean_short_title(self) -> str:
        short = self._one_line("short_title")
        if not short:
            raise forms.ValidationError("Give a short title (used in menus and file names).")
        return short

    def clean_forum(self) -> str:
        forum = self._one_line("forum")
        if not forum:
            raise forms.ValidationError("Name the forum that adopts the document.")
        return forum

    def clean_pretitle(self) -> str:
        return self._one_line("pretitle")

    def clean_initiative(self) -> str:
        return self._one_line("initiative")

    def clean_label_term(self) -> str:
        term = self._one_line("label_term")
        if not term:
            raise forms.ValidationError(
                "Say what each numbered item is called, e.g. “Good Practice”."
            )
        if not _TERM.match(term):
            raise forms.ValidationError(
                "Use words only (letters, spaces, hyphens), e.g. “Recommendation”."
            )
        return term

    def clean_introduction(self) -> str:
        intro = (self.cleaned_data.get("introduction") or "").replace("\r\n", "\n")
        if len(intro) > BODY_LIMIT:
            raise forms.ValidationError(
                f"The introduction is limited to {BODY_LIMIT:,} characters."
            )
        return intro

    def details(self) -> dict:
        """The cleaned details, as the actions take them (drafting.actions.DETAIL_FIELDS)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class NewDocumentForm(DocumentForm):
    slug = forms.SlugField(
        required=False,
        max_length=100,
        label="Web address (optional)",
        help_text="Made from the short title if left empty, e.g. “cyber-good-practices”.",
        error_messages={"invalid": "Use only letters, digits and hyphens in the address."},
    )
    first_section = forms.CharField(
        required=False,
        max_length=300,
        label="Title of the first section (optional)",
        help_text="Adds the first section right away; more can be added on the document page.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("slug") and data.get("short_title"):
            data["slug"] = slugify(data["short_title"])[:100]
        return data


class EditDocumentForm(DocumentForm):
    seen_revision = SeenRevisionField()
    reason = ReasonField()


class RenumberForm(forms.Form):
    """Renumber now: the confirmation carries what numbering the page showed."""

    seen = forms.CharField(
        widget=forms.HiddenInput,
        max_length=40,
        error_messages={"required": "This page did not say which numbers it showed."},
    )
    reason = ReasonField()
