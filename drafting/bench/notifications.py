"""`make bench --only notifications`: sending 1,000 queued notifications.

The console backend writes into memory, so the figure is this application's cost
(claiming, building, recording each e-mail) without a mail server's. Each run
queues its own 1,000 rows (three queries), then one sender pass sends them all.
"""

from __future__ import annotations

import contextlib
import io
import time

from django.db import connection, transaction
from django.test.utils import override_settings

from drafting import bench, outbox
from drafting.actions import notifications as notify
from drafting.models import Notification
from drafting.models.notifications import Kind

COUNT = 1000
RUNS = 3


def _queue(user) -> None:
    # One queue() call per notification, as 1,000 separate changes would make them.
    with transaction.atomic():
        for n in range(COUNT):
            notify.queue(Kind.SECTION_APPROVED, [user], f"Bench notification {n}", "Body.", "/")


def _send_once(user) -> tuple[float, int, int]:
    _queue(user)
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    backend = "django.core.mail.backends.console.EmailBackend"
    with (
        override_settings(EMAIL_BACKEND=backend),
        contextlib.redirect_stdout(io.StringIO()),
        connection.execute_wrapper(count),
    ):
        t0 = time.perf_counter()
        report = outbox.send_due(batch=100)
        elapsed = (time.perf_counter() - t0) * 1000
    return elapsed, report.sent, len(executed)


def run(ctx: bench.Context) -> list[bench.Row]:
    user = ctx.user
    if not user.email:
        user.email = "bench.expert@example.org"
        user.save(update_fields=["email"])
    timings, sent, queries = [], 0, 0
    for _ in range(RUNS):
        elapsed, sent, queries = _send_once(user)
        timings.append(elapsed)
    Notification.objects.filter(recipient=user).delete()  # scratch rows of this run
    timings.sort()
    return [
        bench.Row(
            "notify",
            f"send {COUNT:,} notifications (console backend)",
            p50_ms=timings[len(timings) // 2],
            p95_ms=timings[-1],
            queries=queries,
            note=f"{sent} sent a pass; {timings[len(timings) // 2] / COUNT:.2f} ms an e-mail; "
            f"median of {RUNS} passes (max as p95)",
        )
    ]
