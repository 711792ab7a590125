"""Adoption-ready exports: PDF (Typst), Word, standalone HTML and Markdown.

Every format renders the same model, built once by ``snapshot.build()`` from
the history snapshot the pages use, so numbering, cover and DRAFT marking
agree across formats and with the document page. ``export()`` is the one entry
point for the management command and the benchmarks; the download views go
through ``jobs.serve()``, which adds the cache of finished files and the export
jobs that make PDFs outside the request.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from drafting.export.snapshot import ExportDocument, build
from drafting.history.points import NOW, Point, PointError
from drafting.models import Document

# Format -> its writer module, imported on first use (``writer``): python-docx and the
# Typst bindings are heavy, and neither the web workers' start-up nor an
# ``export_document --format md`` should pay for them (issue 13).
FORMATS: dict[str, str] = {
    "pdf": "drafting.export.pdf",
    "docx": "drafting.export.docx",
    "html": "drafting.export.html",
    "md": "drafting.export.markdown",
}
LABELS = {"pdf": "PDF", "docx": "Word", "html": "HTML", "md": "Markdown"}


@dataclass(frozen=True)
class Exported:
    content: bytes
    filename: str
    content_type: str


class UnknownFormat(ValueError):
    pass


def writer(fmt: str) -> ModuleType:
    """The writer module of ``fmt`` (imported now if it was not yet); UnknownFormat if none."""
    try:
        name = FORMATS[fmt]
    except KeyError:
        raise UnknownFormat(
            f"Unknown format “{fmt}”: choose one of {', '.join(FORMATS)}."
        ) from None
    return importlib.import_module(name)


def export(
    document: Document, fmt: str, point: Point = NOW, *, redline_from: Point | None = None
) -> Exported:
    """``document`` at ``point`` (or its changes since ``redline_from``) as a file in ``fmt``.

    Raises ``UnknownFormat`` or ``PointError`` with a message fit to show as it is.
    """
    writer(fmt)  # refuse an unknown format before any work
    model = build(document, point, redline_from=redline_from)
    return render(model, fmt)


def render(model: ExportDocument, fmt: str) -> Exported:
    module = writer(fmt)
    return Exported(module.render(model), model.filename(module.EXTENSION), module.CONTENT_TYPE)


__all__ = [
    "FORMATS",
    "LABELS",
    "NOW",
    "Exported",
    "Point",
    "PointError",
    "UnknownFormat",
    "build",
    "export",
    "render",
    "writer",
]
