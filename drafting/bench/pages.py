"""Page timings: document page, section page, practice save, against a trivial view (the floor).

And the same pages while three large PDFs are being made (issue 11: p50 at most
twice the idle p50), beside the old way of typesetting in the web process.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drafting import bench
from drafting.models import Practice


def _client(ctx: bench.Context) -> Client:
    client = Client()
    client.force_login(ctx.user)
    return client


def run(ctx: bench.Context) -> list[bench.Row]:
    client = _client(ctx)
    document = ctx.document
    sections = list(document.sections.order_by("position"))
    middle = sections[len(sections) // 2]
    practice = Practice.objects.filter(section=middle).order_by("position").first()
    words = sum(
        len((p.heading + " " + p.body).split())
        for p in Practice.objects.filter(section__document=document)
    )
    n = Practice.objects.filter(section__document=document).count()

    def get(url: str):
        def call():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        return call

    counter = itertools.count(1)
    state = {"revision": practice.revision}

    def save():
        i = next(counter)
        response = client.post(
            reverse("drafting:practice-edit", args=[practice.pk]),
            {
                "heading": practice.heading,
                "body": f"{practice.body}\n\nBenchmark save {i}.",
                "base_revision": state["revision"],
                "reason": "Benchmark save.",
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"save answered {response.status_code}")
        state["revision"] += 1

    floor_url = "/healthz" if _exists(client, "/healthz") else reverse("login")
    floor = bench.measure("pages", f"floor: trivial view ({floor_url})", get(floor_url))
    page = bench.measure(
        "pages",
        f"document page ({n} practices, {words:,} words)",
        get(document.get_absolute_url()),
    )
    rows = [
        floor,
        page,
        bench.measure("pages", "section page (10 practices)", get(middle.get_absolute_url())),
        # Search (issue 16): two words in other forms than the text's, over every practice.
        bench.measure(
            "pages",
            f"search, 2 words in other forms ({n} practices)",
            get(reverse("drafting:document-search", args=[document.slug]) + "?q=Schools+family"),
        ),
        # My work (issue 15): the home page reads every practice of the open documents.
        bench.measure("pages", "home page with My work", get(reverse("drafting:home"))),
        bench.measure("pages", "practice save (POST, redirect)", save),
    ]
    watched = {"document page": document.get_absolute_url(), floor_url: floor_url}
    rows += _while_exporting(ctx, client, watched)
    return rows


def _export_urls(document) -> list[str]:
    """Three large PDFs of three different texts (none served from another's cache)."""
    now = timezone.localtime()
    pdf = reverse("drafting:document-export", args=[document.slug, "pdf"])
    redline = reverse("drafting:document-redline", args=[document.slug])
    return [
        pdf,
        f"{pdf}?at={(now - timedelta(days=90)):%Y-%m-%dT%H:%M}",
        f"{redline}?start=date&start_date={(now - timedelta(days=180)):%Y-%m-%dT%H:%M}"
        "&end=now&format=pdf",
    ]


def _while_exporting(
    ctx: bench.Context, client: Client, watched: dict[str, str]
) -> list[bench.Row]:
    """Page and /healthz p50 while three large PDFs are made (issue 11: <= 2x idle).

    Through the download links, as three people would: export jobs, in threads of
    this process, typesetting in child processes (EXPORT_MAX_RUNNING at once).
    Then, for comparison, the old way: three PDFs typeset in threads of this
    process. The pages are requested in turn, in the same loop, idle first (so
    both sides pay the same for alternating a large page and a small one), then
    until the last PDF is finished.
    """
    from drafting.actions import exports as job_actions
    from drafting.export import build, jobs, pdf
    from drafting.history import points
    from drafting.models import ExportJob

    rounds = iter(range(40))
    idle = _sample(client, watched, lambda: next(rounds, None) is not None)
    rows = _rows(idle, idle, "idle, requested in turn", 0)

    jobs.exports_cache().clear()
    job_actions.fail_stale_jobs()
    first_new = (ExportJob.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    t0 = time.perf_counter()
    for url in _export_urls(ctx.document):
        response = client.get(url)
        if response.status_code != 302:
            raise RuntimeError(f"{url} answered {response.status_code}, not a job page")
    active = [ExportJob.State.QUEUED, ExportJob.State.RUNNING]
    mine = ExportJob.objects.filter(pk__gte=first_new)
    busy = _sample(client, watched, lambda: mine.filter(state__in=active).exists())
    new = _rows(busy, idle, "while 3 PDF jobs run", time.perf_counter() - t0)
    failed = list(mine.filter(state=ExportJob.State.FAILED).values_list("error", flat=True))
    if failed:
        new[0].note += f"; FAILED jobs: {failed}"
    rows += new

    # The old way, for comparison: typesetting in the web process's own threads.
    moments = [None, timezone.now() - timedelta(days=90), timezone.now() - timedelta(days=45)]
    models = [build(ctx.document, points.at(m) if m else points.NOW) for m in moments]
    threads = [threading.Thread(target=pdf.render_in_process, args=(m,)) for m in models]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    busy = _sample(client, watched, lambda: any(t.is_alive() for t in threads))
    rows += _rows(busy, idle, "while 3 PDFs typeset in process (old)", time.perf_counter() - t0)
    for thread in threads:
        thread.join()
    return rows


def _sample(client: Client, watched: dict[str, str], going) -> dict[str, list[float]]:
    """Milliseconds of each watched page, requested in turn while ``going()`` (at most 15 min)."""
    timings: dict[str, list[float]] = {name: [] for name in watched}
    t0 = time.perf_counter()
    while going() and time.perf_counter() - t0 < 900:
        for name, url in watched.items():
            start = time.perf_counter()
            client.get(url)
            timings[name].append((time.perf_counter() - start) * 1000)
    return timings


def _rows(
    timings: dict[str, list[float]], idle: dict[str, list[float]], label: str, seconds: float
) -> list[bench.Row]:
    rows = []
    for name, values in timings.items():
        values = sorted(values) or [float("nan")]
        p50 = statistics.median(values)
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        note = f"{len(timings[name])} requests"
        if timings is not idle:
            ratio = p50 / statistics.median(idle[name])
            verdict = "met" if ratio <= 2 else "NOT met"
            note = (
                f"{ratio:.2f}x idle (goal <= 2x: {verdict}); {note} over the "
                f"{seconds:.1f} s the PDFs took"
            )
        rows.append(bench.Row("pages", f"{name} {label}", p50, p95, note=note))
    return rows


def _exists(client: Client, url: str) -> bool:
    return client.get(url).status_code == 200
