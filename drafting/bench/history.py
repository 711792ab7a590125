"""History page timings: practice timeline, section timeline, "what changed since…".

Requests go through the Django test Client, logged in through the login form's
backend as the bench user, so middleware, templates and sessions are all timed.

Issue 13's age figures, each printed with its goal and whether it is met:

- a section with 10,000 history rows (its own scratch document): its history
  page (paginated) at most 100 ms and 500 KB;
- the current text (export model, document page) of the same 400 practices
  with 20k and with 80k history rows (a twin document): at most 1.1x;
- "as of" reconstruction at both ages, printed beside them (indexed, it grows
  with the rows of this document only, not with the table);
- "what changed since the start" with 1,600 and 3,200 changed practices (twin
  documents, every practice edited once), warm and cold: at most 2.2x.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drafting import bench, diff, history
from drafting.export import build
from drafting.models import Document, Practice

LONG_SECTION_ROWS = 10_000
OLD_HISTORY_ROWS = 80_000
PAGE_GOAL_MS, PAGE_GOAL_BYTES = 100, 500_000
AGE_GOAL = 1.1  # the current text at 80k history rows / at 20k
MANY_CHANGED = (1_600, 3_200)
MANY_GOAL = 2.2  # "what changed since the start" at 3,200 changed practices / at 1,600


def _met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def run(ctx: bench.Context) -> list[bench.Row]:
    client = Client()
    if not client.login(username=bench.USERNAME, password=bench.PASSWORD):
        raise RuntimeError(f"Could not log in as {bench.USERNAME}.")
    document = ctx.document
    sections = list(document.sections.order_by("position"))
    middle = sections[len(sections) // 2]
    practice = Practice.objects.filter(section=middle).order_by("position").first()
    rows = Practice.history.filter(id=practice.pk).count()
    section_rows = Practice.history.filter(section_id=middle.pk).count()
    all_rows = Practice.history.filter(section__document=document).count()
    start = Document.history.filter(id=document.pk).earliest().history_date
    changes = reverse("drafting:document-changes", args=[document.slug])

    def get(url: str, *, cold: bool = False):
        def call():
            if cold:
                # As on the first request after a deploy: no redline memoised yet.
                diff.clear_redline_memo()
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        return call

    # Just after the set-up: "since" an instant lists changes made at it too, and the
    # point of this row is every practice's text redlined, not 400 additions.
    after_setup = start + timedelta(seconds=1)
    since_start = f"{changes}?{urlencode({'since': after_setup.isoformat()})}"
    recent = (timezone.now() - timedelta(days=30)).date().isoformat()
    return [
        # The floor in the same run: on a shared machine it shows how loaded it was.
        bench.measure("history", "floor: login page (a trivial view)", get(reverse("login"))),
        *_long_section(client),
        *_age(ctx, client),
        *_many_changes(client),
        bench.measure(
            "history",
            f"practice history ({rows} rows)",
            get(reverse("drafting:practice-history", args=[practice.pk])),
        ),
        bench.measure(
            "history",
            f"section history ({section_rows} practice rows)",
            get(reverse("drafting:section-history", args=[middle.pk])),
        ),
        bench.measure(
            "history",
            f"what changed since the start ({all_rows:,} rows)",
            get(since_start),
            note="goal p50 <= 150 ms; redlines memoised",
        ),
        bench.measure(
            "history",
            "what changed since the start, cold redlines",
            get(since_start, cold=True),
            repeat=10,
            note="every redline computed afresh",
        ),
        bench.measure(
            "history", "what changed in the last 30 days", get(f"{changes}?since={recent}")
        ),
    ]


def _long_section(client: Client) -> list[bench.Row]:
    """The history page of a section with 10,000 history rows: time and size against the goal."""
    long = bench.build(
        sections=1, per_section=10, history_rows=LONG_SECTION_ROWS, slug=f"{bench.SLUG}-long"
    )
    section = long.document.sections.get()
    n = Practice.history.filter(section_id=section.pk).count()
    url = reverse("drafting:section-history", args=[section.pk])
    size = len(client.get(url).content)

    def get():
        if client.get(url).status_code != 200:
            raise RuntimeError(f"{url} failed")

    row = bench.measure("history", f"section history, {n:,} rows (page 1)", get)
    ok = row.p50_ms <= PAGE_GOAL_MS and size <= PAGE_GOAL_BYTES
    row.note = (
        f"{size / 1000:.0f} KB; goal p50 <= {PAGE_GOAL_MS} ms and <= {PAGE_GOAL_BYTES // 1000} KB: "
        f"{_met(ok)}"
    )
    practice = Practice.objects.filter(section=section).first()
    last = (
        reverse("drafting:practice-history", args=[practice.pk]) + "?page=1000000"
    )  # past the end: the last page
    far = bench.measure(
        "history",
        f"practice history, {practice.history.count():,} rows (last page)",
        lambda: client.get(last),
    )
    return [row, far]


def _alternating(
    area: str, names: tuple[str, str], fns: tuple, *, repeat: int = 30, note: str = ""
) -> tuple[bench.Row, bench.Row]:
    """Time two calls taking turns, so a busy shared machine weighs on both alike.

    The ratio of two figures measured one after the other mostly measured the
    load of the moment; taking turns cancels it. Query counts are of one call.
    """
    timings: tuple[list[float], list[float]] = ([], [])
    for fn in fns:
        fn()
    for _ in range(repeat):
        for fn, out in zip(fns, timings, strict=True):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
    rows = []
    for name, fn, out in zip(names, fns, timings, strict=True):
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            fn()
        out.sort()
        p95 = out[min(len(out) - 1, round(0.95 * (len(out) - 1)))]
        rows.append(bench.Row(area, name, statistics.median(out), p95, len(executed), note))
    return rows[0], rows[1]


def _vacuum_live_tables() -> None:
    """On PostgreSQL, what autovacuum does over the year the scratch history spans.

    The set-up writes 200 rounds of edits in seconds: each leaves a dead version
    of every live practice row, and the 80k document's 400 live rows end up
    spread over ~100 MB of dead ones until autovacuum passes. That is the age of
    the live table, not of the history, and a real deployment vacuums it.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Practice, Document):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _age(ctx: bench.Context, client: Client) -> list[bench.Row]:
    """The current text, and "as of" a moment, at 20k and at 80k history rows of 400 practices."""
    old = bench.build(history_rows=OLD_HISTORY_ROWS, slug=f"{bench.SLUG}-80k").document
    documents = (ctx.document, old)
    _vacuum_live_tables()
    counts = [Practice.history.filter(section__document=d).count() for d in documents]
    middles = [
        Document.history.filter(id=d.pk).earliest().history_date + timedelta(days=180)
        for d in documents
    ]
    rows: list[bench.Row] = []
    for what, make in [
        ("export model, current text", lambda d, m: lambda: build(d)),
        ("document page", lambda d, m: lambda: client.get(d.get_absolute_url())),
        ("as of 6 months in", lambda d, m: lambda: history.document_as_of(d, m)),
    ]:
        young, aged = _alternating(
            "age",
            tuple(f"{what} ({n:,} rows)" for n in counts),
            tuple(make(d, m) for d, m in zip(documents, middles, strict=True)),
        )
        ratio = aged.p50_ms / young.p50_ms
        if what.startswith("as of"):
            aged.note = f"{ratio:.2f}x the 20k time (replays this document's rows, indexed)"
        else:
            aged.note = f"{ratio:.2f}x the 20k time; goal <= {AGE_GOAL}x: {_met(ratio <= AGE_GOAL)}"
        rows += [young, aged]
    return rows


def _many_changes(client: Client) -> list[bench.Row]:
    """ "What changed since the start" at 1,600 and 3,200 changed practices, warm and cold."""
    pages = []
    for n in MANY_CHANGED:
        doc = bench.build(
            sections=n // 10, per_section=10, history_rows=2 * n, slug=f"{bench.SLUG}-{n}"
        ).document
        start = Document.history.filter(id=doc.pk).earliest().history_date
        since = start + timedelta(seconds=1)
        url = reverse("drafting:document-changes", args=[doc.slug])
        pages.append(url + "?" + urlencode({"since": since.isoformat()}))

    def page(url: str, *, cold: bool):
        def call():
            if cold:
                diff.clear_redline_memo()  # as on the first request after a deploy
            if client.get(url).status_code != 200:
                raise RuntimeError(f"{url} failed")

        return call

    rows = []
    for cold, repeat in [(False, 5), (True, 3)]:
        state = "cold" if cold else "warm"
        small, large = _alternating(
            "history",
            tuple(f"changed since the start, {n:,} changed, {state}" for n in MANY_CHANGED),
            tuple(page(url, cold=cold) for url in pages),
            repeat=repeat,
        )
        ratio = large.p50_ms / small.p50_ms
        large.note = (
            f"{ratio:.2f}x the 1,600 time; goal <= {MANY_GOAL}x: {_met(ratio <= MANY_GOAL)}"
        )
        rows += [small, large]
    return rows
