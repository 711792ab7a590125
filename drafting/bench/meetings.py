"""Meeting page timings: the draft as a meeting saw it, rebuilt from 20,000 history rows."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from drafting import bench, history, reads
from drafting.models import ReviewMeeting


def _meeting(ctx: bench.Context) -> ReviewMeeting:
    """A review meeting half-way through the benchmark document's year of history."""
    meeting = ReviewMeeting.objects.filter(document=ctx.document).first()
    if meeting is None:
        first = ctx.document.history.earliest().history_date.date()
        day = first + timedelta(days=180)
        meeting = ReviewMeeting(
            document=ctx.document,
            kind=ReviewMeeting.Kind.REVIEW,
            status=ReviewMeeting.Status.HELD,
            title="Benchmark review meeting",
            starts_on=day,
            ends_on=day + timedelta(days=1),
        )
        history.stamp(meeting, by=ctx.user, reason="Benchmark set-up.")
        meeting.save()
    return meeting


def run(ctx: bench.Context) -> list[bench.Row]:
    meeting = _meeting(ctx)
    client = Client()
    client.force_login(ctx.user)
    url = reverse("drafting:meeting-detail", args=[meeting.pk])

    def page():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    opened, _ = history.meeting_window(meeting)
    return [
        bench.measure(
            "meetings",
            "reconstruct the draft at a meeting's opening",
            lambda: history.document_as_of(ctx.document, opened),
            repeat=10,
        ),
        bench.measure(
            "meetings",
            "meeting page data (snapshot + 2 change sets)",
            lambda: reads.meeting_page(meeting),
            repeat=10,
        ),
        bench.measure("meetings", "meeting page (GET, rendered)", page, repeat=10),
    ]
