"""`manage.py send_notifications [--loop] [--every SECONDS]`

Sends the notification e-mails the actions queued, and the daily digests that
are due (drafting/outbox.py). Idempotent: run it from cron every few minutes
(README "Notifications"), or with ``--loop`` beside the server (`make run`).
Several at once are safe: each e-mail is claimed by one sender and sent at
most once; one the mail server refuses stays queued and is tried again later.
Exits 0, also when the mail server is down (the e-mails wait for the next run).
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from drafting import outbox


class Command(BaseCommand):
    help = "Send queued notification e-mails and due daily digests (at most once each)."
    # Runs every few minutes: the system checks would import every view each time.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Keep running, one pass every --every seconds."
        )
        parser.add_argument(
            "--every", type=float, default=10.0, help="Seconds between passes with --loop."
        )
        parser.add_argument(
            "--batch", type=int, default=100, help="E-mails claimed at a time (default 100)."
        )

    def handle(self, *args, loop: bool = False, every: float = 10.0, batch: int = 100, **opts):
        verbosity = opts.get("verbosity", 1)
        state = {"busy": False, "stopping": False}

        def stop(*_):
            # `make run` stops us with SIGTERM: finish the e-mails in hand, then leave.
            state["stopping"] = True
            if not state["busy"]:
                raise KeyboardInterrupt

        if loop:
            signal.signal(signal.SIGTERM, stop)
        try:
            while True:
                state["busy"] = True
                self._pass(loop=loop, batch=batch, verbosity=verbosity)
                state["busy"] = False
                if not loop or state["stopping"]:
                    return
                time.sleep(every)
        except KeyboardInterrupt:
            return

    def _pass(self, *, loop: bool, batch: int, verbosity: int) -> None:
        try:
            report = outbox.send_due(batch=batch)
        except Exception as error:  # the database away for a moment: try at the next pass
            if not loop:
                raise
            self.stderr.write(f"send_notifications: {error}")
            return
        if verbosity > 1 or report.sent or report.digests or report.failed:
            self.stdout.write(f"send_notifications: {report}")
        stuck = outbox.stuck() if verbosity > 1 else 0
        if stuck:
            self.stdout.write(
                f"send_notifications: {stuck} e-mail(s) were being sent when a sender stopped; "
                "the mail server may have taken them, so they are not sent again."
            )
