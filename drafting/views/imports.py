"""Importing a draft: upload -> preview (nothing saved) -> confirm (one change) or cancel.

The uploaded file waits in drafting.imports.uploads until it is confirmed or
cancelled; the preview is worked out again from it each time.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from drafting import limits, permissions, text
from drafting.actions.base import StaleRevision
from drafting.actions.imports import import_document, import_revision
from drafting.forms.imports import ImportChoicesForm, RevisionChoicesForm, UploadForm
from drafting.imports import uploads
from drafting.imports.plan import MODES, Plan, forum_codes, guess_delegations, make_plan
from drafting.imports.reader import ImportRefused, max_upload_bytes, read
from drafting.imports.revision import compare
from drafting.models import Document
from drafting.reads import access


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
    # Footnotes numbered through the draft as the document will number them, a lead's
    # note shown as a note (never a literal "[^3]"), anchors unique on the page.
    texts = [("", plan.introduction)]
    for s in plan.sections:
        texts += [("", s.introduction)] + [(p.heading, p.body) for p in s.practices]
    starts = iter(text.footnote_starts(texts))
    introduction = text.render(plan.introduction, anchor_prefix="n-", start=next(starts))
    sections = []
    for n, s in enumerate(plan.sections):
        intro = text.render(s.introduction, anchor_prefix=f"n{n}-", start=next(starts))
        practices = []
        for m, p in enumerate(s.practices):
            start, prefix = next(starts), f"n{n}-{m}-"
            practices.append(
                {
                    "label": p.label,
                    "heading": text.render_lead(
                        p.heading, p.body, anchor_prefix=prefix, start=start
                    ),
                    "body": text.render(p.body, anchor_prefix=prefix, start=start, lead=p.heading),
                    "comments": p.comments,
                    "source": p.source,
                }
            )
        sections.append({"title": s.title, "introduction": intro, "practices": practices})
    return render(
        request,
        "drafting/imports/preview.html",
        {
            "token": token,
            "form": form,
            "plan": plan,
            "sections": sections,
            "introduction": introduction,
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
    # A revised copy's cancel goes back to its document (if this user may still read it).
    slug = str(request.POST.get("document", ""))
    document = Document.objects.filter(slug=slug).first() if slug else None
    if document is not None and permissions.can_view_document(request.user, document):
        return redirect(document)
    return redirect("drafting:home")


# --- A revised copy of an existing document ---------------------------------------------------


def _revision_rule(user, document: Document) -> str | None:
    return permissions.why_cannot_view_document(
        user, document
    ) or permissions.why_cannot_import_revision(user, document)


@login_required
@require_http_methods(["GET", "POST"])
def document_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a revised copy of ``slug``: refused next to the field when the file is bad."""
    document = access.document_for(request.user, slug, rule=_revision_rule)
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
            read(upload.name, data)
        except ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            token = uploads.keep(request, upload.name, data)
            return redirect("drafting:document-import-preview", slug=document.slug, token=token)
    return render(
        request,
        "drafting/imports/upload_revision.html",
        {"form": form, "document": document},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_import_preview(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The differences between a revised copy and ``slug``'s text; confirm applies them."""
    document = access.document_for(request.user, slug, rule=_revision_rule)
    name, data = uploads.waiting(request, token)
    try:
        source = read(name, data)
    except ImportRefused as exc:
        uploads.forget(request, token)
        messages.error(request, str(exc))
        return redirect("drafting:document-import", slug=document.slug)
    posted = request.POST if request.method == "POST" else {}
    mode = posted.get("changes")
    if mode not in MODES:
        mode = "amendments" if source.tracked else "reject"
    plan = make_plan(
        source, mode=mode, label_term=document.label_term, delegation_codes=forum_codes()
    )
    revision = compare(plan, document)
    authors = list(dict.fromkeys(plan.authors + plan.comment_authors))
    indices = [d.index for d in revision.changes]
    if request.method == "POST":
        form = RevisionChoicesForm(request.POST, authors=authors, differences=indices)
    else:
        guessed = guess_delegations(authors)
        initial = {"changes": mode, "apply_as": "changes", "seen": revision.seen}
        initial.update(
            {f"author_{n}": getattr(guessed.get(a), "pk", "") for n, a in enumerate(authors)}
        )
        form = RevisionChoicesForm(initial=initial, authors=authors, differences=indices)
    status = 200
    if form.is_bound and form.is_valid() and "confirm" in request.POST:
        try:
            result = import_revision(
                revision,
                by=request.user,
                seen=form.cleaned_data["seen"],
                apply_as=form.cleaned_data["apply_as"],
                delegation=form.cleaned_data.get("delegation"),
                choices=form.choices(),
                delegations=form.delegations(),
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))  # e.g. an approved section: said on the preview
            status = 403
        except StaleRevision as exc:
            form.add_error(None, f"{exc} Nothing was imported; check the preview again.")
            status = 409
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 409 if revision.seen != form.cleaned_data["seen"] else 422
        else:
            uploads.forget(request, token)
            messages.success(
                request,
                f"{result.reason} {result.changes} recorded change(s), {result.amendments} "
                f"amendment(s), {result.comments} comment(s); {result.left} difference(s) "
                "left out.",
            )
            return redirect(document)
    elif form.errors:
        status = 422
    nothing_found = not plan.practice_count
    if nothing_found:
        status = 422  # the action refuses it too: said before anyone confirms
    fields = {i: form[f"practice_{i}"] for i in indices}
    # Why a practice cannot take a recorded change (an approved section): said beside it.
    why_not = {
        s.pk: permissions.why_cannot_edit_section(request.user, s)
        for s in {d.section for d in revision.differences}
    }
    return render(
        request,
        "drafting/imports/preview_revision.html",
        {
            "document": document,
            "token": token,
            "form": form,
            "plan": plan,
            "revision": revision,
            "counts": revision.counts(),
            "nothing_found": nothing_found,
            "rows": [
                (d, fields.get(d.index), why_not[d.section.pk] if d.is_change else None)
                for d in revision.in_document_order()
            ],
        },
        status=status,
    )
