"""Importing a draft: the upload form and the preview's choices (secretariat only)."""

from __future__ import annotations

from django import forms

from drafting.models import Delegation

CHANGES_CHOICES = [
    ("reject", "Import the text without the tracked changes (reject all)"),
    ("amendments", "Import the text without the changes; each author's changes become amendments"),
    ("accept", "Import the text with every tracked change accepted (accept all)"),
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Word or Markdown file",
        help_text="A .docx or .md draft. Nothing is saved until you confirm the preview.",
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.md"}),
    )


class ImportChoicesForm(forms.Form):
    """The preview's choices; one delegation field per Word author (``author_<n>``)."""

    changes = forms.ChoiceField(
        label="Tracked changes", choices=CHANGES_CHOICES, widget=forms.RadioSelect
    )
    label_term = forms.CharField(
        label="Label term",
        max_length=60,
        required=False,
        help_text="As the file writes its labels: “Good Practice”, “Recommendation”…",
    )
    title = forms.CharField(max_length=300, required=False)
    forum = forms.CharField(
        max_length=200, required=False, help_text="The forum that adopts the document."
    )

    def __init__(self, *args, authors: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.authors = list(authors)
        # One query for every author's list, however many authors the file has.
        self._delegations = {str(d.pk): d for d in Delegation.objects.order_by("name")}
        choices = [("", "— not imported —")] + [(pk, d.name) for pk, d in self._delegations.items()]
        for n, author in enumerate(self.authors):
            self.fields[f"author_{n}"] = forms.ChoiceField(
                choices=choices, required=False, label=author
            )

    def author_fields(self) -> list:
        return [self[f"author_{n}"] for n in range(len(self.authors))]

    def delegations(self) -> dict[str, Delegation | None]:
        """Word author -> the delegation chosen for them (None: left out)."""
        return {
            a: self._delegations.get(self.cleaned_data.get(f"author_{n}") or "")
            for n, a in enumerate(self.authors)
        }


APPLY_AS_CHOICES = [
    ("changes", "Apply them as recorded changes to the text"),
    ("amendments", "Record them as amendments on behalf of a delegation"),
]
PER_PRACTICE_CHOICES = [
    ("", "As chosen for the whole import"),
    ("changes", "Apply as a recorded change"),
    ("amendments", "Record as an amendment"),
    ("leave", "Leave out"),
]


class RevisionChoicesForm(ImportChoicesForm):
    """The choices for a revised copy: how its differences are applied, for all or per practice.

    ``differences``: the indices of the changed, new and missing practices; each
    gets a field ``practice_<index>``. ``seen`` carries the fingerprint of the
    document the preview showed (drafting.imports.revision.fingerprint).
    """

    apply_as = forms.ChoiceField(
        label="The differences from the current text",
        choices=APPLY_AS_CHOICES,
        initial="changes",
        widget=forms.RadioSelect,
    )
    delegation = forms.ModelChoiceField(
        queryset=Delegation.objects.order_by("name"),
        required=False,
        label="Amendments on behalf of",
        help_text="The delegation whose proposals these are, when they become amendments.",
    )
    seen = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, differences: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("label_term", "title", "forum"):
            del self.fields[name]
        self.differences = list(differences)
        for index in self.differences:
            self.fields[f"practice_{index}"] = forms.ChoiceField(
                choices=PER_PRACTICE_CHOICES, required=False, label="This practice"
            )

    def clean(self) -> dict:
        data = super().clean()
        chosen = {data.get("apply_as")} | {self.choices().get(i) for i in self.differences}
        if "amendments" in chosen and not data.get("delegation"):
            self.add_error("delegation", "Choose the delegation the amendments are recorded for.")
        return data

    def choices(self) -> dict[int, str]:
        """Difference index -> the choice made for that practice (only those not left blank)."""
        data = getattr(self, "cleaned_data", {})
        return {i: data[f"practice_{i}"] for i in self.differences if data.get(f"practice_{i}")}
