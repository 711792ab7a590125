"""Import timings for `make bench`, beside pandoc alone reading the same file.

A 400-practice, about 150,000-word Word file (40 sections of 10 practices; each
practice a bold lead with a footnote, four body paragraphs, (a)-(c) sub-items,
and a table in every tenth) is generated as Markdown and written to .docx by
pandoc, as a careful secretariat file would be. Measured: pandoc alone reading
it to its AST (the peer), the preview (read + recognise + plan) and the confirm
(the whole import in one transaction, rolled back after each run), and the
peak Python memory of each (tracemalloc) and pandoc's peak resident memory.
Goals (issue 12): preview and confirm each under 10 s, memory under 500 MB.
"""

from __future__ import annotations

import random
import resource
import tempfile
import tracemalloc
from pathlib import Path

import pypandoc
from django.db import transaction

from drafting import bench
from drafting.actions.imports import import_document
from drafting.bench import Row, measure
from drafting.history import stamp
from drafting.imports.plan import make_plan
from drafting.imports.reader import read
from drafting.models import ExpertProfile

SECTIONS, PER_SECTION, BODY_PARAGRAPHS = 40, 10, 4


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(bench._WORDS) for _ in range(words)).capitalize() + "."


def big_markdown(seed: int = 12) -> str:
    """The Markdown of the benchmark draft (deterministic for a given seed)."""
    rng = random.Random(seed)  # noqa: S311  (filler text, not secrets)
    out = ["Benchmark Working Group", "", "# The Benchmark Good Practices", ""]
    out += [_sentence(rng, 60), ""]
    number = note = 0
    for s in range(1, SECTIONS + 1):
        out += [f"## {s}. Section {s}", ""]
        for _ in range(PER_SECTION):
            number += 1
            note += 1
            out += [f"### Good Practice {number}", "", f"**{_sentence(rng, 14)}[^{note}]**", ""]
            for _ in range(BODY_PARAGRAPHS):
                out += [" ".join(_sentence(rng, 14) for _ in range(5)), ""]
            out += [f"({tag}) {_sentence(rng, 12)}" for tag in "abc"]
            out.append("")
            if number % 10 == 0:
                out += ["| Level | Situation | Response |", "| --- | --- | --- |"]
                out += [f"| {i} | {_sentence(rng, 4)} | {_sentence(rng, 4)} |" for i in range(3)]
                out.append("")
            out += [f"[^{note}]: {_sentence(rng, 20)}", ""]
    return "\n".join(out)


def big_docx() -> bytes:
    """The benchmark draft as a Word file (pandoc's docx writer, as a careful secretariat's)."""
    with tempfile.TemporaryDirectory(prefix="drafting-bench-import-") as tmp:
        out = Path(tmp) / "big.docx"
        pypandoc.convert_text(big_markdown(), "docx", format="markdown", outputfile=str(out))
        return out.read_bytes()


def _peak_mb(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run(ctx: bench.Context) -> list[Row]:
    data = big_docx()
    words = len(big_markdown().split())
    user = ctx.user  # only the secretariat imports: the bench user gets the role
    profile = ExpertProfile.objects.filter(user=user).first()
    if profile is not None and profile.role != ExpertProfile.Role.SECRETARIAT:
        profile.role = ExpertProfile.Role.SECRETARIAT
        stamp(profile, by=user, reason="Benchmark: the importer is secretariat.")
        profile.save()
        user.refresh_from_db()

    size = f"{len(data) / 1e6:.1f} MB, {SECTIONS * PER_SECTION} practices, ~{words:,} words"
    peer = measure(
        "import",
        "peer: pandoc alone, .docx -> JSON AST",
        lambda: pypandoc.convert_text(
            data, "json", format="docx", extra_args=["--track-changes=all"]
        ),
        repeat=3,
        warmup=1,
    )
    peer.queries = None
    peer.note = size
    preview = measure(
        "import",
        "preview: read + recognise + plan",
        lambda: make_plan(read("big.docx", data), mode="reject"),
        repeat=3,
        warmup=1,
    )
    plan = make_plan(read("big.docx", data), mode="reject")

    def confirm() -> None:
        with transaction.atomic():
            import_document(plan, by=user, forum="Benchmark forum")
            transaction.set_rollback(True)

    confirmed = measure(
        "import", "confirm: write the plan (rolled back)", confirm, repeat=3, warmup=1
    )
    preview_mb = _peak_mb(lambda: make_plan(read("big.docx", data), mode="reject"))
    confirm_mb = _peak_mb(confirm)
    pandoc_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    preview.note = (
        f"{preview.p50_ms / peer.p50_ms:.1f}x pandoc alone; Python peak {preview_mb:.0f} MB "
        "(goal < 10 s, < 500 MB)"
    )
    confirmed.note = f"Python peak {confirm_mb:.0f} MB (goal < 10 s, < 500 MB)"
    memory = Row("import", "pandoc peak resident memory", note=f"{pandoc_mb:.0f} MB")
    return [peer, preview, confirmed, memory]
