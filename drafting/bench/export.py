"""Export timings for `make bench`, beside the tools a secretariat would otherwise use.

On the 40-section, 400-practice benchmark document (and an 800-practice twin for
linearity): the snapshot, each format end to end, the DOCX writer alone at both
sizes, PDF with a fresh Typst compiler and with a warm one after a text change,
and, when installed, pandoc turning our Markdown export into DOCX and
LibreOffice turning our DOCX export into PDF. Goals (issue 6): DOCX at most half
pandoc's time and at most 2.1x the time for twice the practices; PDF faster
than LibreOffice; HTML and Markdown under 300 ms.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from drafting import bench
from drafting.bench import Row, measure
from drafting.export import build, pdf, render
from drafting.export.snapshot import ExportDocument


def _twin() -> bench.Context:
    # Twice the practices; little history, since the writers' time is what is compared.
    return bench.build(
        sections=bench.SECTIONS * 2,
        per_section=bench.PRACTICES_PER_SECTION,
        history_rows=1,
        slug=f"{bench.SLUG}-800",
    )


def run(ctx: bench.Context) -> list[Row]:
    rows: list[Row] = []
    document = ctx.document
    model = build(document)
    n = len(model.practices)
    rows.append(measure("export", f"snapshot model ({n} practices)", lambda: build(document)))
    for fmt, goal in [("html", "goal < 300 ms"), ("md", "goal < 300 ms")]:
        rows.append(
            measure(
                "export",
                f"{fmt.upper()} end to end",
                lambda fmt=fmt: render(build(document), fmt),
                repeat=10,
                note=goal,
            )
        )

    # Same repetitions for both sizes, so the ratio compares like with like.
    docx_400 = measure(
        "export", f"DOCX writer, {n} practices", lambda: render(model, "docx"), repeat=20
    )
    twin = build(_twin().document)
    docx_800 = measure(
        "export",
        f"DOCX writer, {len(twin.practices)} practices",
        lambda: render(twin, "docx"),
        repeat=20,
    )
    docx_800.note = f"{docx_800.p50_ms / docx_400.p50_ms:.2f}x the {n}-practice time (goal <= 2.1x)"
    docx_full = measure(
        "export", "DOCX end to end", lambda: render(build(document), "docx"), repeat=10
    )
    rows += [docx_full, docx_400, docx_800]

    def fresh_pdf() -> None:
        pdf._compiler.cache_clear()
        render(model, "pdf")

    pdf_cold = measure("export", "PDF (Typst), fresh compiler", fresh_pdf, repeat=3, warmup=1)
    counter = iter(range(10**6))

    def changed_pdf(model: ExportDocument = model) -> None:
        # A warm compiler after a one-word change, as when a secretariat re-exports.
        model.sections[0].practices[0].heading += f" {next(counter)}"
        render(model, "pdf")

    pdf_warm = measure("export", "PDF (Typst), warm, after a change", changed_pdf, repeat=5)
    rows += [pdf_cold, pdf_warm]
    rows += _peers(model, docx_full, pdf_cold)
    return rows


def _peers(model: ExportDocument, docx_row: Row, pdf_row: Row) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="drafting-bench-") as tmp:
        folder = Path(tmp)
        md_file = folder / "doc.md"
        md_file.write_bytes(render(model, "md").content)
        docx_file = folder / "doc.docx"
        docx_file.write_bytes(render(model, "docx").content)

        pandoc = shutil.which("pandoc")
        if pandoc:
            row = measure(
                "export",
                "peer: pandoc Markdown -> DOCX",
                lambda: subprocess.run(  # noqa: S603  (fixed arguments)
                    [
                        pandoc,
                        "-f",
                        "markdown",
                        "-t",
                        "docx",
                        "-o",
                        str(folder / "p.docx"),
                        str(md_file),
                    ],
                    check=True,
                ),
                repeat=3,
                warmup=1,
            )
            row.queries = None
            row.note = (
                f"ours (end to end) is {docx_row.p50_ms / row.p50_ms:.2f}x pandoc (goal <= 0.5x)"
            )
            rows.append(row)
        else:
            rows.append(Row("export", "peer: pandoc Markdown -> DOCX", note="pandoc not installed"))

        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice:
            profile = (folder / "lo-profile").as_uri()
            row = measure(
                "export",
                "peer: LibreOffice DOCX -> PDF",
                lambda: subprocess.run(  # noqa: S603  (fixed arguments)
                    [
                        soffice,
                        f"-env:UserInstallation={profile}",
                        "--headless",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        str(folder / "lo"),
                        str(docx_file),
                    ],
                    check=True,
                    capture_output=True,
                ),
                repeat=3,
                warmup=1,
            )
            row.queries = None
            row.note = (
                f"Typst (fresh compiler) is {pdf_row.p50_ms / row.p50_ms:.2f}x LibreOffice "
                "(goal < 1x)"
            )
            rows.append(row)
        else:
            rows.append(
                Row("export", "peer: LibreOffice DOCX -> PDF", note="soffice not installed")
            )
    return rows
