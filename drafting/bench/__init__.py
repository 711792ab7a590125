"""Benchmarks for `make bench`: a large scratch document and timing helpers.

Each area of the product adds a module here with ``run(ctx) -> list[Row]``;
``manage.py bench`` builds the scratch document once and prints every row.
Figures are printed, never asserted: speed belongs here, not in tests.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from drafting.history import stamp
from drafting.models import POSITION_STEP, Delegation, Document, ExpertProfile, Practice, Section

SECTIONS = 40
PRACTICES_PER_SECTION = 10
HISTORY_ROWS = 20_000
SLUG = "bench-document"
USERNAME = "bench.expert"
PASSWORD = "bench-password"  # noqa: S105  (scratch database only)

_WORDS = [
    "member",
    "states",
    "should",
    "ensure",
    "that",
    "prevention",
    "programmes",
    "respect",
    "human",
    "rights",
    "and",
    "involve",
    "local",
    "communities",
    "families",
    "schools",
    "civil",
    "society",
    "law",
    "enforcement",
    "practitioners",
    "and",
    "partners",
    "in",
    "a",
    "coordinated",
    "proportionate",
    "and",
    "transparent",
    "manner",
    "based",
    "on",
    "evidence",
]


@dataclass
class Row:
    area: str
    what: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    note: str = ""


@dataclass
class Context:
    document: Document
    user: object


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def build(
    *,
    sections: int = SECTIONS,
    per_section: int = PRACTICES_PER_SECTION,
    history_rows: int = HISTORY_ROWS,
    slug: str = SLUG,
) -> Context:
    """Create (once) a document of sections x practices with ``history_rows`` practice history rows.

    About 125 words a practice (50,000 words for 400 practices), a footnote every
    fifth practice. Written with the history-aware bulk helpers, back-dated over a year.
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(username=USERNAME)
    if created:
        user.set_password(PASSWORD)
        user.save()
        delegation = Delegation(name="Bench delegation", code="BENCH")
        stamp(delegation, by=user, reason="Benchmark set-up.")
        delegation.save()
        profile = ExpertProfile(
            user=user, delegation=delegation, role=ExpertProfile.Role.SECRETARIAT
        )
        stamp(profile, by=user, reason="Benchmark set-up.")
        profile.save()
    existing = Document.objects.filter(slug=slug).first()
    if existing:
        return Context(existing, user)

    rng = random.Random(42)  # noqa: S311  (repeatable filler text, not security)
    start = timezone.now() - timedelta(days=365)
    document = Document(
        title=f"Benchmark document {slug}",
        short_title="Benchmark",
        slug=slug,
        forum="Benchmark Forum",
        introduction=_paragraph(rng, 60),
    )
    stamp(document, by=user, reason="Benchmark set-up.", when=start)
    document.save()
    section_objs = []
    for s in range(sections):
        section = Section(
            document=document,
            title=f"Section {s + 1}: {_paragraph(rng, 4)[:-1]}",
            introduction=_paragraph(rng, 40),
            position=(s + 1) * POSITION_STEP,
        )
        section._history_date = start
        section_objs.append(section)
    section_objs = bulk_create_with_history(
        section_objs, Section, default_user=user, default_change_reason="Benchmark set-up."
    )
    practices = []
    n = 0
    for section in Section.objects.filter(document=document).order_by("position"):
        for p in range(per_section):
            n += 1
            body = "\n\n".join(_paragraph(rng, 40) for _ in range(3))
            if n % 5 == 0:
                body += f" See the note.[^1]\n\n[^1]: Footnote to practice {n}."
            practice = Practice(
                section=section,
                heading=f"Practice {n}: {_paragraph(rng, 10)}",
                body=body,
                position=(p + 1) * POSITION_STEP,
            )
            practice._history_date = start
            practices.append(practice)
    bulk_create_with_history(
        practices, Practice, default_user=user, default_change_reason="Benchmark set-up."
    )
    practices = list(Practice.objects.filter(section__document=document).order_by("id"))
    remaining = history_rows - len(practices)
    rounds = max(1, remaining // len(practices))
    for r in range(rounds):
        when = start + timedelta(days=1 + r * 360 / rounds)
        for practice in practices:
            words = practice.body.split(" ")
            words[rng.randrange(len(words))] = rng.choice(_WORDS)
            practice.body = " ".join(words)
            practice.revision += 1
            practice._history_date = when
        bulk_update_with_history(
            practices,
            Practice,
            ["body", "revision"],
            batch_size=500,
            default_user=user,
            default_change_reason=f"Benchmark edit round {r + 1}.",
        )
    return Context(document, user)


def measure(
    area: str,
    what: str,
    fn: Callable[[], object],
    *,
    repeat: int = 30,
    warmup: int = 2,
    note: str = "",
) -> Row:
    """Time ``fn`` ``repeat`` times; report median, 95th percentile and queries of one call."""
    for _ in range(warmup):
        fn()
    # Count with an execute wrapper: request_started resets Django's query log mid-call.
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    timings = []
    for _ in range(repeat):
        reset_queries()
        t0 = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    return Row(area, what, statistics.median(timings), p95, len(executed), note)


def print_rows(rows: list[Row], write: Callable[[str], None]) -> None:
    write(f"{'area':<10} {'what':<48} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}  note")
    for row in rows:
        p50 = f"{row.p50_ms:9.1f}" if row.p50_ms is not None else f"{'-':>9}"
        p95 = f"{row.p95_ms:9.1f}" if row.p95_ms is not None else f"{'-':>9}"
        q = f"{row.queries:8d}" if row.queries is not None else f"{'-':>8}"
        write(f"{row.area:<10} {row.what:<48} {p50} {p95} {q}  {row.note}")
