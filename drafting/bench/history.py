"""History page timings: practice timeline, section timeline, "what changed since…".

Requests go through the Django test Client, logged in through the login form's
backend as the bench user, so middleware, templates and sessions are all timed.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drafting import bench, diff
from drafting.models import Document, Practice


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
                diff._redlines.clear()
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
