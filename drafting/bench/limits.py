"""What the limits cost, and the memory the live preview keeps (issue 11: 0.5 MB a request).

Peers: a preview rendered without counting (the cost of the rate counter beside
it), and the renderer's old memo (``functools.lru_cache(maxsize=8192)``) fed the
same previews, measured with tracemalloc beside the memo that replaced it.
"""

from __future__ import annotations

import functools
import gc
import tracemalloc

from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from drafting import bench, limits, text

PREVIEWS = 200  # distinct texts, as typing produces them
PREVIEW_CHARS = 40_000  # the most a preview request renders


def _previews() -> list[str]:
    word = "Member states should ensure prevention programmes respect human rights. "
    filler = (word * (PREVIEW_CHARS // len(word) + 1))[: PREVIEW_CHARS - 12]
    return [f"{filler} draft {n:05d}" for n in range(PREVIEWS)]


def _retained_mib(render, texts: list[str]) -> float:
    """Memory still held after rendering ``texts`` with ``render`` (tracemalloc), MiB."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for source in texts:
        render(source)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / 2**20


def run(ctx: bench.Context) -> list[bench.Row]:
    client = Client()
    client.force_login(ctx.user)
    url = reverse("drafting:practice-preview")
    body = "A practice being typed, with *emphasis* and a [link](https://example.org). " * 20
    request = RequestFactory().post(url)
    request.user = ctx.user

    def preview():
        response = client.post(url, {"body": body}, headers={"HX-Request": "true"})
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    def uncounted():
        with override_settings(DRAFTING_RATES={**settings.DRAFTING_RATES, "previews": None}):
            preview()

    rows = [
        bench.measure("limits", "live preview (POST, counted)", preview),
        bench.measure("limits", "  peer: the same POST, previews not counted", uncounted),
        bench.measure(
            "limits",
            "  peer: the same text rendered alone",
            lambda: text.render(body, anchor_prefix="preview-", remember=False),
        ),
        bench.measure(
            "limits",
            "one counted request (limits.spend)",
            lambda: limits.spend(request, "previews"),
        ),
        bench.measure(
            "limits",
            "document size check (400 practices)",
            lambda: limits.document_size(ctx.document.pk),
        ),
    ]

    texts = _previews()
    old_memo = functools.lru_cache(maxsize=8192)(text._render_now)
    old = _retained_mib(lambda s: old_memo(s, "preview-"), texts)
    old_memo.cache_clear()
    new = _retained_mib(lambda s: text.render(s, anchor_prefix="preview-", remember=False), texts)
    rows.append(
        bench.Row(
            "limits",
            f"memory kept by {PREVIEWS} distinct previews",
            note=(
                f"now {new:.1f} MiB; old lru_cache(8192) memo {old:.1f} MiB "
                f"({old * 1024 / PREVIEWS:.0f} KiB a request, up to "
                f"{old * 8192 / PREVIEWS / 1024:.1f} GiB a worker); stored texts' memo "
                f"capped at {text.RENDER_CACHE_BYTES / 2**20:.0f} MiB"
            ),
        )
    )
    return rows
