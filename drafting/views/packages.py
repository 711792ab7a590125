"""Adoption packages (issue 14): the list with their digests, building one, downloading one.

Every drafting role (observers included) sees the list and downloads a package:
it holds the redline and the record of who did what, so history's rule applies
(drafting.reads.access.package_for). Only the secretariat builds one, once the
document is submitted (permissions.why_cannot_build_package, a 403 saying why).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from drafting import actions, permissions
from drafting.actions.packages import latest_package_id
from drafting.export.typesetter import TypesetError
from drafting.models import AdoptionPackageFile, Document
from drafting.reads import access
from drafting.reads.packages import packages_of


def _document(request: HttpRequest, slug: str) -> Document:
    return access.document_for(request.user, slug, rule=permissions.why_cannot_export_history)


def _page(request: HttpRequest, document: Document, *, error: str = "", status: int = 200):
    return render(
        request,
        "drafting/packages/list.html",
        {
            "document": document,
            "packages": packages_of(document),
            "can_build": permissions.can_build_package(request.user, document),
            "seen_package": latest_package_id(document),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def package_list(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, _document(request, slug))


@login_required
@require_POST
def package_build(request: HttpRequest, slug: str) -> HttpResponse:
    document = _document(request, slug)
    permissions.refuse_if(permissions.why_cannot_build_package(request.user, document))
    seen = request.POST.get("seen_package", "")
    if not (seen.isascii() and seen.isdigit()):
        return _page(request, document, error="Reload the page and build again.", status=422)
    try:
        package = actions.build_adoption_package(document, by=request.user, seen_package=int(seen))
    except ValidationError as error:
        return _page(request, document, error=" ".join(error.messages), status=422)
    except TypesetError as error:
        return _page(request, document, error=f"Nothing was stored: {error}", status=503)
    messages.success(
        request,
        f"Adoption package built. Clean text digest (SHA-256): {package.text_digest}.",
    )
    return redirect(reverse("drafting:package-list", args=[document.slug]) + f"#p{package.pk}")


@login_required
@require_GET
def package_download(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    document = _document(request, slug)
    package = access.package_for(request.user, pk, document=document)
    content = bytes(AdoptionPackageFile.objects.get(package=package).content)
    response = HttpResponse(content, content_type="application/zip")
    stamp = timezone.localtime(package.built_at)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{document.slug}-adoption-package-{stamp:%Y%m%d-%H%M%S}.zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response
