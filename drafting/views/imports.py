"""Importing a draft: upload -> preview (nothing saved) -> confirm (one change) or cancel.

The uploaded file waits in drafting.imports.uploads until it is confirmed or
cancelled; the preview is worked out again from it each time.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from drafting import limits, permissions, text
from drafting.actions.imports import import_document
from drafting.forms.imports import ImportChoicesForm, UploadForm
from drafting.imports import uploads
from drafting.imports.plan import MODES, Plan, forum_codes, guess_delegations, make_plan
from drafting.imports.reader import ImportRefused, max_upload_bytes, read


def _refuse_unless_secretariat(request: HttpRequest) -> None:
    permissions.refuse_if(permissions.why_cannot_import_document(request.user))


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    _refuse_unless_secretariat(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > max_upload_bytes():
                raise ImportRefused(
                    f"{upload.name} is {upload.size / 1e6:.1f} MB; files up to "
                    f"{max_upload_bytes() / 1e6:.0f} MB can be imported."
                )
            data = upload.read()
            read(upload.name, data)  # refuse a bad file here, next to the field
        except ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            token = uploads.keep(request, upload.name, data)
            return redirect("drafting:import-preview", token=token)
    status = 422 if form.errors else 200
    return render(request, "drafting/imports/upload.html", {"form": form}, status=status)


def _size(plan: Plan) -> limits.Size:
    """What importing ``plan`` as a new document adds, as the size limits count it."""
    practices = [p for s in plan.sections for p in s.practices]
    characters = limits.text_size(
        *(s.title for s in plan.sections),
        *(s.introduction for s in plan.sections),
        *(p.heading for p in practices),
        *(p.body for p in practices),
    )
    return limits.Size(len(practices), len(plan.sections), characters)


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    _refuse_unless_secretariat(request)
    name, data = uploads.waiting(request, token)
    try:
        source = read(name, data)
    except ImportRefused as exc:  # e.g. the size limit was lowered since the upload
        uploads.forget(request, token)
        messages.error(request, str(exc))
        return redirect("drafting:import-start")
    # The plan is worked out once, with the choices posted (the form is bound after it,
    # since its author fields come from the file).
    posted = request.POST if request.method == "POST" else {}
    mode = posted.get("changes")
    if mode not in MODES:
        mode = "amendments" if source.tracked else "reject"
    label_term = " ".join(str(posted.get("label_term", "")).split())[:60] or None
    plan = make_plan(source, mode=mode, label_term=label_term, delegation_codes=forum_codes())
    authors = list(dict.fromkeys(plan.authors + plan.comment_authors))
    if request.method == "POST":
        form = ImportChoicesForm(request.POST, authors=authors)
    else:
        guessed = guess_delegations(authors)
        initial = {"changes": mode, "label_term": plan.structure["label_term"], "title": plan.title}
        initial.update(
            {f"author_{n}": getattr(guessed.get(a), "pk", "") for n, a in enumerate(authors)}
        )
        form = ImportChoicesForm(initial=initial, authors=authors)
    valid = form.is_valid() if form.is_bound else False
    choices = form.cleaned_data if valid else form.initial
    # Said on the preview, not after a long confirm: the actions would refuse it anyway.
    too_big = limits.why_too_big(limits.Size(), _size(plan))
    if valid and not too_big and "confirm" in request.POST:
        try:
            result = import_document(
                plan,
                by=request.user,
                title=choices.get("title", ""),
                forum=choices.get("forum", ""),
                delegations=form.delegations(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            uploads.forget(request, token)
            messages.success(
                request,
                f"{result.reason} {result.practices} practice(s) in {result.sections} "
                f"section(s), {result.amendments} amendment(s), {result.comments} comment(s).",
            )
            return redirect(result.document)
    return render(
        request,
        "drafting/imports/preview.html",
        {
            "token": token,
            "form": form,
            "plan": plan,
            "sections": [
                {
                    "title": s.title,
                    "introduction": text.render(s.introduction),
                    "practices": [
                        {
                            "label": p.label,
                            "heading": p.heading,
                            "body": text.render(p.body),
                            "comments": p.comments,
                            "source": p.source,
                        }
                        for p in s.practices
                    ],
                }
                for s in plan.sections
            ],
            "introduction": text.render(plan.introduction),
            "too_big": too_big,
        },
        status=422 if form.errors or too_big else 200,
    )


@login_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    _refuse_unless_secretariat(request)
    uploads.forget(request, token)
    messages.info(request, "The import was cancelled; nothing was saved.")
    return redirect("drafting:home")
