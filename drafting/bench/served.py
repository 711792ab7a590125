"""The document page as served (issue 13): in process, and by two gunicorn workers under load.

Goals, on PostgreSQL, 400 practices: p50 <= 15 ms and p95 <= 1.5x p50; two
workers serve at least 0.3x the requests a second of a bare view (``/healthz``)
under the same bounded loopback load (8 clients for 20 s each, one request at
a time per client). The rows print the goal and met / NOT MET; SQLite runs
print them too, for comparison. ``--only served`` runs this area alone.

gunicorn runs twice per page kind, with ``gc.freeze()`` after start-up
(drafting.serving.freeze_after_startup, the default) and without (GC_FREEZE=0),
so the before and after stand side by side in the same run.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client

from drafting import bench, fragments
from drafting.bench import Row, measure
from drafting.models import Practice

CLIENTS = 8
SECONDS = 20.0
WORKERS = 2
GOAL_P50_MS = 15.0
GOAL_P95_RATIO = 1.5
GOAL_THROUGHPUT_RATIO = 0.3


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def run(ctx: bench.Context) -> list[Row]:
    document = ctx.document
    n = Practice.objects.filter(section__document=document).count()
    db = connection.vendor
    client = Client()
    client.force_login(ctx.user)
    url = document.get_absolute_url()

    def get(path: str) -> Callable[[], None]:
        def call() -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")

        return call

    # Figures from a machine shared with other work are not the machine's: say how busy it was.
    load = os.getloadavg()
    rows = [
        Row(
            "served",
            "machine",
            note=f"{os.cpu_count()} cores; load average {load[0]:.1f} (1 min), "
            f"{load[1]:.1f} (5 min) at the start of this area",
        ),
        measure("served", "floor in process: /healthz", get("/healthz"), repeat=60),
    ]
    page = measure("served", f"document page in process ({n} practices)", get(url), repeat=60)
    ratio = page.p95_ms / page.p50_ms
    page.note = (
        f"{db}; goal p50 <= {GOAL_P50_MS:.0f} ms: {_verdict(page.p50_ms <= GOAL_P50_MS)}; "
        f"p95 {ratio:.2f}x p50 (goal <= {GOAL_P95_RATIO}x: {_verdict(ratio <= GOAL_P95_RATIO)})"
    )
    rows.append(page)

    def uncached() -> None:
        fragments._memo.clear()
        get(url)()

    cold = measure("served", "document page, fragment memo emptied each time", uncached, repeat=20)
    cold.note = f"what the memo saves: {cold.p50_ms / page.p50_ms:.1f}x the warm p50"
    rows.append(cold)
    rows += _fragment_stores(ctx)
    rows += _under_load(client, url, n, db)
    return rows


def _fragment_stores(ctx: bench.Context) -> list[Row]:
    """The practices of the page from the per-process memo vs from Django's cache (default)."""
    from django.core.cache import caches

    from drafting import reads

    outline = reads.document_outline(ctx.document)
    items = [item for entry in outline for item in entry.practices]
    fragments.practices_reading(items)  # warm the memo
    keys = {f"bench-fragment-{i.practice.pk}-{i.practice.revision}": i for i in items}
    cache = caches["default"]
    cache.set_many({key: str(fragments.practice_reading(i)) for key, i in keys.items()}, 600)
    memo = measure(
        "served",
        f"{len(items)} fragments from the process memo",
        lambda: [fragments.practice_reading(i) for i in items],
    )
    shared = measure(
        "served",
        f"{len(items)} fragments from CACHES['default']",
        lambda: cache.get_many(list(keys)),
    )
    shared.note = f"{shared.p50_ms / memo.p50_ms:.1f}x the memo, +{shared.queries} query a page"
    cache.delete_many(list(keys))
    return [memo, shared]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _gunicorn(freeze: bool):
    """Two gunicorn workers on a loopback port against this run's database."""
    port = _free_port()
    env = dict(os.environ, GC_FREEZE="1" if freeze else "0", SECURE_COOKIES="0")
    env["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(  # noqa: S603  (our own interpreter's gunicorn, fixed arguments)
        [
            gunicorn,
            "drafting.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _request(port, "/healthz", "")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start within 60 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _request(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _load(port: int, path: str, cookie: str) -> tuple[float, list[float], int]:
    """CLIENTS clients requesting ``path`` one at a time for SECONDS: (req/s, ms each, errors)."""
    for _ in range(2 * WORKERS):  # each worker has served the page once
        _request(port, path, cookie)
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS

    def client() -> None:
        mine, bad = [], 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            status = _request(port, path, cookie)
            mine.append((time.perf_counter() - t0) * 1000)
            bad += status != 200
        with lock:
            timings.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(timings) / (time.perf_counter() - t0), sorted(timings), errors[0]


def _under_load(client: Client, url: str, n: int, db: str) -> list[Row]:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    rows = []
    for freeze in (True, False):
        label = "gc.freeze" if freeze else "no gc.freeze"
        with _gunicorn(freeze) as port:
            floor_rate, floor_ms, floor_errors = _load(port, "/healthz", "")
            rate, ms, errors = _load(port, url, cookie)
        p50, p95 = statistics.median(ms), ms[int(round(0.95 * (len(ms) - 1)))]
        ratio = rate / floor_rate
        rows.append(
            Row(
                "served",
                f"floor: /healthz, {WORKERS} workers, {label}",
                statistics.median(floor_ms),
                floor_ms[int(round(0.95 * (len(floor_ms) - 1)))],
                note=f"{floor_rate:.0f} req/s, {CLIENTS} clients x {SECONDS:.0f} s; "
                f"load average {os.getloadavg()[0]:.1f}"
                + (f", {floor_errors} not 200" if floor_errors else ""),
            )
        )
        rows.append(
            Row(
                "served",
                f"document page ({n}), {WORKERS} workers, {label}",
                p50,
                p95,
                note=f"{db}; {rate:.1f} req/s = {ratio:.2f}x the floor (goal >= "
                f"{GOAL_THROUGHPUT_RATIO}x: {_verdict(ratio >= GOAL_THROUGHPUT_RATIO)})"
                + (f"; {errors} not 200" if errors else ""),
            )
        )
    return rows
