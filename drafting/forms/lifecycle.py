"""The transition form: the reason, note or meeting a section or document transition asks for."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from drafting.forms.common import TEXT_WIDGET, SeenRevisionField
from drafting.models import Document, ReviewMeeting
from drafting.reads.documents import submitted_on
from drafting.workflow import Transition


class TransitionForm(forms.Form):
    """What a transition needs from the person taking it: a reason, a meeting or a date."""

    def __init__(
        self,
        *args,
        transition: Transition,
        document: Document,
        revision: int | None = None,
        not_agreed: int = 0,
        **kwargs,
    ):
        """``revision``: a section's revision as the page shows it, sent back with the step.

        ``not_agreed``: how many practices of a section to approve are not agreed; the
        approval then asks why it goes ahead anyway (actions.approve_section holds the rule).
        """
        super().__init__(*args, **kwargs)
        self.transition = transition
        if revision is not None:
            self.fields["seen_revision"] = SeenRevisionField(initial=revision)
        if transition.name == "approve":
            self.fields["note"] = forms.CharField(
                required=False,
                max_length=2000,
                widget=TEXT_WIDGET,
                label="Approval note",
                help_text="Optional. Recorded with the approval, e.g. “agreed in Rabat”.",
            )
            if not_agreed:
                self.fields["not_agreed_reason"] = forms.CharField(
                    required=True,
                    max_length=2000,
                    widget=TEXT_WIDGET,
                    label="Why approve before every practice is agreed",
                    help_text=(
                        "Required: the practices listed above are not agreed. Your reason is "
                        "recorded with the approval and in the history."
                    ),
                    error_messages={
                        "required": "Say why the section is approved although "
                        f"{not_agreed} practice{'s are' if not_agreed != 1 else ' is'} "
                        "not agreed, or record their agreement first."
                    },
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
            # The plenary's date, never before the submission nor after today.
            meeting, today = document.target_meeting, timezone.localdate()
            earliest = submitted_on(document)
            default = min(meeting.ends_on if meeting else today, today)
            if earliest is not None:
                default = max(default, earliest)
            limits = {"max": today.isoformat()}
            if earliest is not None:
                limits["min"] = earliest.isoformat()
            self.fields["adopted_on"] = forms.DateField(
                label="Adopted on",
                initial=default,
                # ISO, as a date input reads it (the locale's 27/09/2018 shows an empty field).
                widget=forms.DateInput(attrs={"type": "date", **limits}, format="%Y-%m-%d"),
                help_text=(
                    f"Submitted for adoption on {earliest.day} {earliest:%B %Y}; "
                    "the adoption cannot be dated earlier."
                    if earliest is not None
                    else ""
                ),
                error_messages={"required": "Give the date of adoption."},
            )

    def arguments(self) -> dict:
        """Keyword arguments for the workflow function."""
        return dict(self.cleaned_data)
