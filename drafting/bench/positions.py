"""Positions timings for `make bench`: the matrix page, its CSV and Word files, and the
document page with reservations on the record and 300 open square brackets, at 400
practices × 37 delegations.

Every delegation has a position on every practice (14,800 positions, a third of
them reservations and a sixth of those on the record), written once with the
history-aware bulk helper. Beside them: the trivial view (the floor of a page)
and, when installed, pandoc turning the same table (Markdown) into DOCX.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.test import Client
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from drafting import bench, reads
from drafting.bench import Row, measure
from drafting.export import positions as files
from drafting.history import stamp
from drafting.models import Delegation, Position, Practice

DELEGATIONS = 37
STANCES = [Position.Stance.SUPPORT, Position.Stance.RESERVATION, Position.Stance.OBJECTION]


def _setup(ctx: bench.Context) -> list[Delegation]:
    """37 delegations (the bench user's and 36 more), each with a position on every practice."""
    delegations = list(Delegation.objects.filter(code__startswith="BENCH").order_by("code"))
    for n in range(len(delegations), DELEGATIONS):
        delegation = Delegation(name=f"Bench delegation {n:02d}", code=f"BENCH-{n:02d}")
        stamp(delegation, by=ctx.user, reason="Benchmark set-up.")
        delegation.save()
        delegations.append(delegation)
    practices = list(Practice.objects.filter(section__document=ctx.document).order_by("pk"))
    if not Position.objects.filter(practice__in=practices).exists():
        rows = []
        for d, delegation in enumerate(delegations):
            for p, practice in enumerate(practices):
                stance = STANCES[(p + d) % 3]
                text = "" if stance == Position.Stance.SUPPORT else f"Statement {d}.{p}."
                rows.append(
                    Position(
                        practice=practice,
                        delegation=delegation,
                        stance=stance,
                        text=text,
                        for_the_record=stance == Position.Stance.RESERVATION and p % 6 == 0,
                    )
                )
        bulk_create_with_history(
            rows,
            Position,
            batch_size=2000,
            default_user=ctx.user,
            default_change_reason="Benchmark set-up.",
        )
    return delegations


BRACKETS = 300


def _brackets(ctx: bench.Context, delegations: list[Delegation]) -> int:
    """300 practices each with one open bracket of two attributed alternatives."""
    practices = list(
        Practice.objects.filter(section__document=ctx.document).order_by("pk")[:BRACKETS]
    )
    for n, practice in enumerate(practices):
        if "[[" in practice.body:
            continue
        a, b = delegations[n % len(delegations)].code, delegations[(n + 1) % len(delegations)].code
        practice.body += f" States [[should]]{{{a}}} [[may]]{{{b}}} act."
        practice.revision += 1
        stamp(practice, by=ctx.user, reason="Benchmark set-up: a bracket.")
        practice.save()
    return len(practices)


def _pandoc_peer(csv_text: str) -> Row:
    """pandoc: the same matrix as a Markdown pipe table to DOCX."""
    what = "peer: pandoc, matrix table (Markdown) to DOCX"
    if shutil.which("pandoc") is None:
        return Row("positions", what, note="pandoc not installed")
    import csv
    import io

    table = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in table[1:]]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "matrix.md"
        source.write_text("\n".join(lines))

        def convert():
            subprocess.run(  # noqa: S603  (fixed arguments, our own file)
                ["pandoc", str(source), "-o", str(Path(tmp) / "matrix.docx")],  # noqa: S607
                check=True,
            )

        return measure("positions", what, convert, repeat=5, warmup=1)


def run(ctx: bench.Context) -> list[Row]:
    delegations = _setup(ctx)
    bracketed = _brackets(ctx, delegations)
    client = Client()
    client.force_login(ctx.user)  # the secretariat: every delegation's column
    document = ctx.document
    n = Practice.objects.filter(section__document=document).count()
    cells = n * len(delegations)

    def get(url: str):
        def call():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        return call

    matrix_url = reverse("drafting:position-matrix", args=[document.slug])
    matrix = reads.position_matrix(document, ctx.user)
    return [
        measure("positions", "floor: trivial view (/healthz)", get("/healthz")),
        measure(
            "positions",
            f"matrix page ({n} practices × {len(delegations)} delegations)",
            get(matrix_url),
            repeat=10,
            note=f"{cells:,} cells",
        ),
        measure("positions", "matrix page, objections only", get(f"{matrix_url}?only=objections")),
        measure(
            "positions",
            "matrix CSV (end to end)",
            get(reverse("drafting:position-export", args=[document.slug, "csv"])),
            repeat=10,
        ),
        measure(
            "positions",
            "matrix Word (end to end)",
            get(reverse("drafting:position-export", args=[document.slug, "docx"])),
            repeat=5,
        ),
        _pandoc_peer(files.matrix_csv(matrix).decode()),
        measure(
            "positions",
            f"document page with reservations on the record and {bracketed} open brackets",
            get(document.get_absolute_url()),
            repeat=10,
        ),
        measure(
            "positions",
            f"open square brackets page ({bracketed} brackets)",
            get(reverse("drafting:document-brackets", args=[document.slug])),
            repeat=10,
        ),
    ]
