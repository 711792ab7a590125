"""History pages: timelines with redlines, comparisons, "what changed since…", restore, search.

Reading history needs a drafting role (observers included), even once the
document is adopted (permissions.why_cannot_export_history); restoring needs
the right to edit the practice's section, checked by the service functions.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from drafting import actions, diff, history, permissions, reads
from drafting.history import points
from drafting.models import Document, Practice, Section, Version
from drafting.reads import access
from drafting.views.common import safe_next
from drafting.views.deletions import section_first

# --- forms -------------------------------------------------------------------


class CompareForm(forms.Form):
    """Two text revisions of one practice by number (URL parameters ``from`` and ``to``).

    Numbers rather than a list of every revision: a practice with thousands of
    revisions would make each list as long (issue 13); the page lists the
    revisions a page at a time beside the form.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so the fields are declared here rather than as attributes.
        for name, label in (("from", "From revision"), ("to", "To revision")):
            self.fields[name] = forms.IntegerField(
                label=label, min_value=1, max_value=_MAX_REVISION
            )

    def check_exist(self, chosen: dict[int, history.Revision]) -> None:
        """A field error next to a number that names no revision of this practice."""
        for name in ("from", "to"):
            number = self.cleaned_data.get(name)
            if number is not None and number not in chosen:
                self.add_error(name, f"This practice has no revision {number}.")


class ChangesForm(forms.Form):
    """A moment to compare the document against: a date (or date and time), or a named version."""

    since = forms.CharField(
        required=False,
        label="Since a date",
        help_text="A date such as 2018-05-12, or a date and time such as 2018-05-12T14:30.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    version = forms.ModelChoiceField(
        queryset=Version.objects.none(), required=False, label="or since a named version"
    )

    def __init__(self, *args, document: Document, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = Version.objects.filter(document=document).order_by(
            "-taken_at"
        )
        self.fields["version"].empty_label = "—"

    def clean_since(self) -> datetime | None:
        raw = (self.cleaned_data.get("since") or "").strip()
        if not raw:
            return None
        try:
            return points.parse_datetime(raw)
        except points.PointError as error:
            raise ValidationError(str(error)) from None

    def clean(self) -> dict:
        data = super().clean()
        since, version = data.get("since"), data.get("version")
        if since and version:
            raise ValidationError("Pick either a date or a named version, not both.")
        if not since and not version and not self.errors:
            raise ValidationError("Pick a date or a named version.")
        return data

    def moment(self) -> tuple[datetime, str]:
        """The moment to compare against and how to name it on the page.

        A version holds every change made up to its moment, so "since" it means
        after it. A typed date or time starts a half-open interval: a change made
        at that very instant (the first instant of a day) is listed.
        """
        version = self.cleaned_data.get("version")
        if version is not None:
            return version.taken_at, f"version “{version.name}”"
        since = self.cleaned_data["since"]
        label = timezone.localtime(since).strftime("%d %B %Y %H:%M")
        return history.instant_before(since), label


class JumpForm(forms.Form):
    """A moment to jump to on a paginated history page (URL parameter ``on``)."""

    on = forms.CharField(
        required=False,
        label="Go to a date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_on(self) -> datetime | None:
        raw = (self.cleaned_data.get("on") or "").strip()
        if not raw:
            return None
        try:
            return points.parse_datetime(raw)
        except points.PointError as error:
            raise ValidationError(str(error)) from None


def _jump(request: HttpRequest) -> tuple[JumpForm, datetime | None]:
    """The jump form as the URL filled it, and the moment it names (None: no valid jump)."""
    form = JumpForm(request.GET if "on" in request.GET else None)
    return form, form.cleaned_data["on"] if form.is_bound and form.is_valid() else None


def _landed(request: HttpRequest, timeline) -> HttpResponse:
    """After a jump to a date: the page it landed on, scrolled to the change (a plain URL)."""
    anchor = f"#{timeline.target.anchor}" if timeline.target else ""
    return redirect(f"{request.path}?page={timeline.page.number}{anchor}")


# Revisions are database integers: anything larger is a bad request, not a query.
_MAX_REVISION = 2**31 - 1


class RestoreForm(forms.Form):
    revision = forms.IntegerField(min_value=1, max_value=_MAX_REVISION)
    base_revision = forms.IntegerField(min_value=1, max_value=_MAX_REVISION, required=False)
    reason = forms.CharField(max_length=1000, required=False)


class UndeleteForm(forms.Form):
    reason = forms.CharField(max_length=1000, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the practices",
        max_length=reads.MAX_QUERY_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


# --- access --------------------------------------------------------------------


def _document_for(user, document_id: int | None) -> Document:
    """The document a history belongs to, if the user may read its history (404 / 403)."""
    return access.document_for(user, pk=document_id, rule=permissions.why_cannot_export_history)


# --- pages -------------------------------------------------------------------------


@login_required
@require_GET
def practice_history(request: HttpRequest, pk: int) -> HttpResponse:
    jump, moment = _jump(request)
    timeline = history.practice_history(pk, page=request.GET.get("page", 1), at=moment)
    if timeline is None:
        raise Http404("No practice with this number ever existed.")
    document = _document_for(request.user, timeline.document_id)
    if moment is not None:
        return _landed(request, timeline)
    practice = Practice.objects.select_related("section__document").filter(pk=pk).first()
    can_restore = practice is not None and permissions.can_edit_section(
        request.user, practice.section
    )
    can_undelete = False
    if practice is None:
        # A deleted practice comes back into its old section, so that section's rule decides.
        home = Section.objects.select_related("document").filter(pk=timeline.latest.section_id)
        section = home.first()
        can_undelete = section is not None and permissions.can_edit_section(request.user, section)
    return render(
        request,
        "drafting/history/practice_history.html",
        {
            "document": document,
            "timeline": timeline,
            "entries": list(reversed(timeline.entries)),
            "jump": jump,
            "practice": practice,
            "can_restore": can_restore,
            "can_undelete": can_undelete,
        },
        status=400 if jump.errors else 200,
    )


@login_required
@require_GET
def practice_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two revisions of a practice side by side, with a redline; its revisions a page at a time.

    Without ``from`` and ``to``: the latest change of text (the newest revision
    and the one before it).
    """
    asked = "from" in request.GET or "to" in request.GET
    form = CompareForm(request.GET if asked else None)
    numbers = [form.cleaned_data.get(k) for k in ("from", "to")] if form.is_valid() else []
    revisions = history.practice_revisions(
        pk, page=request.GET.get("page"), chosen=numbers if asked else None
    )
    if revisions is None:
        raise Http404("No practice with this number ever existed.")
    document = _document_for(request.user, revisions.document_id)
    if not asked:
        shown = sorted(revisions.chosen)
        form = CompareForm({"from": shown[0], "to": shown[-1]})
        form.is_valid()
    form.fields["from"].widget.attrs["max"] = revisions.newest
    form.fields["to"].widget.attrs["max"] = revisions.newest
    if form.is_valid():
        form.check_exist(revisions.chosen)
    context = {"document": document, "timeline": revisions, "form": form}
    if form.errors:
        return render(request, "drafting/history/compare.html", context, status=400)
    old = revisions.chosen[form.cleaned_data["from"]]
    new = revisions.chosen[form.cleaned_data["to"]]
    practice = Practice.objects.select_related("section__document").filter(pk=pk).first()
    heading_redline, body_redline = diff.practice_redline(
        old.heading, old.body, new.heading, new.body
    )
    context.update(
        {
            "old": old,
            "new": new,
            "heading_redline": heading_redline,
            "body_redline": body_redline,
            "same_text": old.heading == new.heading and old.body == new.body,
            "practice": practice,
            "can_restore": practice is not None
            and permissions.can_edit_section(request.user, practice.section),
        }
    )
    return render(request, "drafting/history/compare.html", context)


@login_required
@require_GET
def section_history(request: HttpRequest, pk: int) -> HttpResponse:
    jump, moment = _jump(request)
    timeline = history.section_history(pk, page=request.GET.get("page", 1), at=moment)
    if timeline is None:
        raise Http404("No section with this number ever existed.")
    document = _document_for(request.user, timeline.document_id)
    if moment is not None:
        return _landed(request, timeline)
    section = Section.objects.select_related("document").filter(pk=pk).first()
    return render(
        request,
        "drafting/history/section_history.html",
        {
            "document": document,
            "timeline": timeline,
            "entries": list(reversed(timeline.entries)),
            "jump": jump,
            "section": section,
            # Deleted practices come back into this section, so its rule decides.
            "can_undelete": section is not None
            and permissions.can_edit_section(request.user, section),
        },
        status=400 if jump.errors else 200,
    )


@login_required
@require_GET
def document_changes(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_export_history)
    bound = "since" in request.GET or "version" in request.GET
    form = ChangesForm(request.GET if bound else None, document=document)
    context = {"document": document, "form": form}
    if not bound:
        return render(request, "drafting/history/changes.html", context)
    if not form.is_valid():
        return render(request, "drafting/history/changes.html", context, status=400)
    since, label = form.moment()
    changes = history.changes_since(document, since)
    # One reverse() for hundreds of links: only the id differs between them.
    link = reverse("drafting:practice-history", args=[0]).replace("/0/", "/{}/")
    for change in changes.changes:
        change.history_url = link.format(change.practice_id)
    context.update({"changes": changes, "since_label": label})
    return render(request, "drafting/history/changes.html", context)


@require_GET
def document_search(request: HttpRequest, slug: str) -> HttpResponse:
    # Searches the current text only: public once the document is adopted.
    document = access.document_for(request.user, slug)
    form = SearchForm(request.GET)
    results, status = None, 200
    if form.is_valid():
        # "GP 5", "Recommendation 7 bis", "5": the reader wants that practice, not a list.
        named = reads.practice_named(document, form.cleaned_data["q"])
        if named:
            return redirect(named)
        results = reads.search_practices(document, form.cleaned_data["q"])
    else:
        status = 400
    return render(
        request,
        "drafting/history/search.html",
        {"document": document, "form": form, "results": results},
        status=status,
    )


# --- restoring -------------------------------------------------------------------------


@login_required
@require_POST
def practice_restore(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.practice_for(request.user, pk, rule=permissions.why_cannot_export_history)
    back = safe_next(request, reverse("drafting:practice-history", args=[pk]))
    form = RestoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a revision to restore.")
        return redirect(back)
    try:
        restored = actions.restore_practice_revision(
            practice,
            by=request.user,
            revision=form.cleaned_data["revision"],
            base_revision=form.cleaned_data["base_revision"],
            reason=form.cleaned_data["reason"],
        )
    except actions.StaleRevision as stale:
        messages.error(
            request,
            f"Nothing restored: the practice changed since you opened this page "
            f"(it is now at revision {stale.current.revision}). Look again before restoring.",
        )
        return redirect(back)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(request, f"Restored: it is now revision {restored.revision}.")
    return redirect(back)


@login_required
@require_POST
def practice_undelete(request: HttpRequest, pk: int) -> HttpResponse:
    timeline_doc = history.practice_history(pk, numbered=False)
    if timeline_doc is None:
        raise Http404("No practice with this number ever existed.")
    _document_for(request.user, timeline_doc.document_id)
    back = safe_next(request, reverse("drafting:practice-history", args=[pk]))
    form = UndeleteForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        practice = actions.undelete_practice(pk, by=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, section_first(error, timeline_doc.latest.section_id))
        return redirect(back)
    messages.success(request, f"Restored “{practice}” at its old place.")
    return redirect(back)
