"""Comment periods (issue 15): opening one, the period page where invited delegations send
in, the compilation text and the disposition table (pages and DOCX/PDF files)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drafting import actions, limits, permissions, reads
from drafting.forms import DispositionForm, PeriodForm, SubmissionForm
from drafting.models import Amendment, Comment, Disposition, Practice, ReviewMeeting
from drafting.reads import access
from drafting.views.common import form_status

_ROW_FIELDS = ("outcome", "note", "meeting", "seen_revision")


def _errors_to_form(form, error: ValidationError) -> None:
    found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, problems in found.items():
        form.add_error(name if name in form.fields else None, problems)


@login_required
@require_safe
def period_list(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    return render(
        request,
        "drafting/periods/list.html",
        {
            "document": document,
            "periods": reads.periods_of(document),
            "can_open": permissions.can_open_period(request.user, document),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_create(request: HttpRequest, slug: str) -> HttpResponse:
    document = access.document_for(request.user, slug, rule=permissions.why_cannot_view_review)
    permissions.refuse_if(permissions.why_cannot_open_period(request.user, document))
    form = PeriodForm(request.POST or None, document=document)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period = actions.open_period(
                document,
                by=request.user,
                version=data["version"],
                deadline=data["deadline"],
                deadline_zone=data["deadline_zone"],
                invited=data["invited"],
                instructions=data["instructions"],
                allow_late=data["allow_late"],
                anonymise=data["anonymise"],
            )
        except ValidationError as error:
            if "deadline" in getattr(error, "error_dict", {}):
                error.error_dict["deadline_date"] = error.error_dict.pop("deadline")
            _errors_to_form(form, error)
        else:
            messages.success(request, f"Comment period opened on “{period.version.name}”.")
            return redirect("drafting:period-detail", pk=period.pk)
    return render(
        request,
        "drafting/periods/form.html",
        {"document": document, "form": form},
        status=form_status(request, form),
    )


def _typed(form) -> dict | None:
    """The refused submission's fields, keyed as the page's forms name them."""
    if form is None or not form.is_bound:
        return None
    practice = form.data.get("practice", "")
    if not (practice.isascii() and practice.isdigit()):
        return None
    typed = {k: form.data.get(k, "") for k in ("kind", "body", "heading", "text", "rationale")}
    return {**typed, "practice": int(practice)}


def _detail(request: HttpRequest, period, *, form=None, status: int = 200) -> HttpResponse:
    user = request.user
    can_submit = permissions.can_submit_to_period(user, period)
    secretariat = permissions.is_secretariat(user)
    own = permissions.delegation_of(user) if not secretariat else None
    # Names are shown to the secretariat and to a delegation reading its own submissions;
    # anyone else (a reader without a delegation) sees the period's choice.
    page = reads.compilation(
        period,
        anonymise=False if secretariat or own is not None else period.anonymise,
        delegation_id=own.pk if own is not None else None,
    )
    return render(
        request,
        "drafting/periods/detail.html",
        {
            "document": period.document,
            "period": period,
            "page": page,
            "own": own,
            "is_open": period.is_open(),
            "can_submit": can_submit,
            "why_not": None
            if can_submit
            else permissions.why_cannot_submit_to_period(user, period),
            "can_manage": permissions.can_open_period(user, period.document),
            "form": form,
            # What was typed on a refused form, put back into that practice's form.
            "typed": _typed(form),
        },
        status=status,
    )


@login_required
@require_safe
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, reads.period_for(request.user, pk))


@login_required
@require_POST
def period_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment or a proposed change on one practice of the circulated text."""
    period = reads.period_for(request.user, pk)
    permissions.refuse_if(permissions.why_cannot_submit_to_period(request.user, period))
    form = SubmissionForm(request.POST)
    if not form.is_valid():
        return _detail(request, period, form=form, status=422)
    data = form.cleaned_data
    practice = Practice.objects.filter(
        pk=data["practice"], section__document_id=period.document_id
    ).first()
    if practice is None:
        # Offered on the page (it is in the circulated text) but deleted since: say so,
        # keeping what was typed, rather than a bare 404.
        if reads.circulated_but_deleted(period, data["practice"]):
            form.add_error(
                None,
                f"This practice was deleted after “{period.version.name}” was circulated, so "
                "nothing was sent. Ask the secretariat to restore it from the Deleted page, "
                "or send your text on a practice still in the document.",
            )
            return _detail(request, period, form=form, status=422)
        raise Http404("No such practice in this document.")
    try:
        if data["kind"] == "comment":
            limits.spend(request, "comments")
            actions.add_comment(
                practice.section_id,
                by=request.user,
                body=data["body"],
                practice=practice,
                period=period,
            )
            done = "Comment sent."
        else:
            actions.propose_change(
                practice,
                by=request.user,
                heading=data["heading"],
                body=data["text"],
                rationale=data["rationale"],
                period=period,
            )
            done = "Proposal sent."
    except limits.RateLimited as limited:
        form.add_error(None, limited)
        return _detail(request, period, form=form, status=429)
    except ValidationError as error:
        _errors_to_form(form, error)
        return _detail(request, period, form=form, status=422)
    messages.success(request, done)
    return redirect(f"{period.get_absolute_url()}#practice-{practice.pk}")


def _anonymise(request: HttpRequest, period) -> bool:
    """The secretariat may look at the other form (``?anonymise=1``/``0``); others see
    the period's choice."""
    value = request.GET.get("anonymise")
    if value in {"0", "1"} and permissions.can_open_period(request.user, period.document):
        return value == "1"
    return period.anonymise


@login_required
@require_http_methods(["GET", "POST"])
def period_compilation(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the compilation text. POST (secretariat): attribute or anonymise it."""
    period = reads.period_for(request.user, pk)
    if request.method == "POST":
        permissions.refuse_if(permissions.why_cannot_open_period(request.user, period.document))
        actions.toggle_anonymise(
            period, by=request.user, anonymise=request.POST.get("anonymise") == "1"
        )
        messages.success(request, "Compilation saved.")
        return redirect("drafting:period-compilation", pk=period.pk)
    anonymise = _anonymise(request, period)
    return render(
        request,
        "drafting/periods/compilation.html",
        {
            "document": period.document,
            "period": period,
            "page": reads.compilation(period, anonymise=anonymise),
            "anonymise": anonymise,
            "can_manage": permissions.can_open_period(request.user, period.document),
        },
    )


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_safe
def period_compilation_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The compilation text as Word or PDF."""
    from drafting.export import periods as files  # python-docx loads on first export

    period = reads.period_for(request.user, pk)
    if fmt not in files.FORMATS:
        raise Http404("The compilation is exported as Word (docx) or PDF.")
    page = reads.compilation(period, anonymise=_anonymise(request, period))
    return _file(
        files.compilation(page, fmt), files.FORMATS[fmt], files.filename(page, "compilation", fmt)
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_dispositions(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the disposition table. POST (secretariat): save one row, named by ``submission``."""
    period = reads.period_for(request.user, pk)
    document = period.document
    can_dispose = permissions.can_dispose(request.user, document)
    failed: dict[str, tuple[DispositionForm, int]] = {}
    if request.method == "POST":
        permissions.refuse_if(permissions.why_cannot_dispose(request.user, document))
        kind, _, sid = request.POST.get("submission", "").partition("-")
        if kind not in {"comment", "amendment"} or not (sid.isascii() and sid.isdigit()):
            raise Http404("No such submission.")
        model = Comment if kind == "comment" else Amendment
        if not model.objects.filter(pk=int(sid), section__document_id=document.pk).exists():
            raise Http404("No such submission.")
        row = f"{kind}-{sid}"
        form = DispositionForm(request.POST, document=document, prefix=row)
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.record_disposition(
                    period,
                    by=request.user,
                    outcome=data["outcome"],
                    note=data["note"],
                    meeting=data["meeting"],
                    seen_revision=data["seen_revision"],
                    **{kind: int(sid)},
                )
            except actions.StaleRevision as conflict:
                form.add_error(None, str(conflict))
                status = 409
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, f"Disposition of {kind} #{sid} saved.")
                return redirect(f"{request.path}#{row}")
        failed[row] = (form, status)
    # The secretariat answers named delegations; others see the period's choice.
    page = reads.compilation(period, anonymise=False if can_dispose else period.anonymise)
    rows = []
    for item in page.submissions:
        form, _ = failed.get(item.row_id, (None, 0))
        if form is not None:  # what was typed, with what is wrong with it
            values = {k: form.data.get(f"{item.row_id}-{k}", "") for k in _ROW_FIELDS}
            errors = [e for problems in form.errors.values() for e in problems]
        else:
            d = item.disposition
            values = {
                "outcome": d.outcome if d else "",
                "note": d.note if d else "",
                "meeting": str(d.meeting_id or "") if d else "",
                "seen_revision": d.revision if d else 0,
            }
            errors = []
        rows.append({"item": item, "values": values, "errors": errors})
    # A refused row that is not in this table (a submission of another period): say why on top.
    shown = {row["item"].row_id for row in rows}
    page_errors = [
        e
        for row_id, (form, _) in failed.items()
        if row_id not in shown
        for problems in form.errors.values()
        for e in problems
    ]
    # One list of meetings for every row's menu (a form per row would query it per row).
    meetings = list(ReviewMeeting.objects.filter(document=document).order_by("starts_on", "id"))
    status = next((s for _, s in failed.values()), 200)
    return render(
        request,
        "drafting/periods/dispositions.html",
        {
            "document": document,
            "period": period,
            "page": page,
            "rows": rows,
            "page_errors": page_errors,
            "meetings": meetings,
            "outcomes": Disposition.Outcome.choices,
            "can_dispose": can_dispose,
        },
        status=status,
    )


@login_required
@require_safe
def period_dispositions_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The disposition table as Word or PDF."""
    from drafting.export import periods as files

    period = reads.period_for(request.user, pk)
    if fmt not in files.FORMATS:
        raise Http404("The disposition table is exported as Word (docx) or PDF.")
    page = reads.compilation(period, anonymise=_anonymise(request, period))
    return _file(
        files.dispositions(page, fmt), files.FORMATS[fmt], files.filename(page, "dispositions", fmt)
    )
