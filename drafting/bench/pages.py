"""Page timings: document page, section page, practice save, against a trivial view (the floor)."""

from __future__ import annotations

import itertools

from django.test import Client
from django.urls import reverse

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
    return [
        bench.measure("pages", f"floor: trivial view ({floor_url})", get(floor_url)),
        bench.measure(
            "pages",
            f"document page ({n} practices, {words:,} words)",
            get(document.get_absolute_url()),
        ),
        bench.measure("pages", "section page (10 practices)", get(middle.get_absolute_url())),
        bench.measure("pages", "practice save (POST, redirect)", save),
    ]


def _exists(client: Client, url: str) -> bool:
    return client.get(url).status_code == 200
