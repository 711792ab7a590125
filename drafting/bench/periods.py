"""Comment period timings for `make bench` (issue 15): the compilation text and the
disposition table, pages and Word/PDF files, at 400 practices × 37 delegations × 3
submissions each (one proposal, two comments: 44,400 rows), a third of them disposed.

Everything is written once with the history-aware bulk helper; the period itself goes
through the ordinary action (opening it notifies 37 delegations' experts).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from drafting import actions, bench
from drafting.bench import Row, measure
from drafting.history import stamp
from drafting.models import (
    Amendment,
    Comment,
    CommentPeriod,
    Delegation,
    Disposition,
    ExpertProfile,
    Practice,
    Version,
)

DELEGATIONS = 37
VERSION = "Bench — circulated for comments"


def _experts(ctx: bench.Context) -> list:
    """One expert in each of 37 delegations (the positions bench's delegations, shared)."""
    User = get_user_model()
    delegations = list(Delegation.objects.filter(code__startswith="BENCH-").order_by("code"))
    for n in range(len(delegations), DELEGATIONS):
        delegation = Delegation(name=f"Bench delegation {n:02d}", code=f"BENCH-{n:02d}")
        stamp(delegation, by=ctx.user, reason="Benchmark set-up.")
        delegation.save()
        delegations.append(delegation)
    experts = []
    for n, delegation in enumerate(delegations[:DELEGATIONS]):
        user, created = User.objects.get_or_create(username=f"bench.period.{n:02d}")
        if created:
            profile = ExpertProfile(
                user=user, delegation=delegation, role=ExpertProfile.Role.EXPERT
            )
            stamp(profile, by=ctx.user, reason="Benchmark set-up.")
            profile.save()
        experts.append(user)
    return experts


def _setup(ctx: bench.Context) -> CommentPeriod:
    period = CommentPeriod.objects.filter(document=ctx.document, version__name=VERSION).first()
    if period is not None:
        return period
    experts = _experts(ctx)
    version = Version.objects.filter(document=ctx.document, name=VERSION).first()
    version = version or actions.name_version(ctx.document, by=ctx.user, name=VERSION)
    period = actions.open_period(
        ctx.document,
        by=ctx.user,
        version=version,
        deadline=timezone.now() + timedelta(days=30),
        invited=[e.profile.delegation for e in experts],
    )
    practices = list(
        Practice.objects.filter(section__document=ctx.document).select_related("section")
    )
    amendments, comments = [], []
    for practice in practices:
        for expert in experts:
            amendments.append(
                Amendment(
                    section=practice.section,
                    practice=practice,
                    base_revision=practice.revision,
                    proposed_heading=practice.heading + " (as amended)",
                    proposed_body=practice.body,
                    rationale="Clearer wording.",
                    delegation=expert.profile.delegation,
                    proposed_by=expert,
                    period=period,
                    version=version,
                )
            )
            for k in range(2):
                comments.append(
                    Comment(
                        section=practice.section,
                        practice=practice,
                        author=expert,
                        body=f"Comment {k + 1} on this practice.",
                        period=period,
                        version=version,
                    )
                )
    kwargs = {"batch_size": 2000, "default_user": ctx.user}
    kwargs["default_change_reason"] = "Benchmark set-up."
    amendments = bulk_create_with_history(amendments, Amendment, **kwargs)
    comments = bulk_create_with_history(comments, Comment, **kwargs)
    # bulk_create returns ids on PostgreSQL and SQLite 3.35+; re-read to be sure.
    disposed = list(Comment.objects.filter(period=period).order_by("pk")[::3])
    dispositions = [
        Disposition(
            period=period,
            comment=c,
            outcome=Disposition.Outcome.REJECTED,
            note="Outside the mandate.",
            decided_by=ctx.user,
        )
        for c in disposed
    ]
    bulk_create_with_history(dispositions, Disposition, **kwargs)
    return period


def run(ctx: bench.Context) -> list[Row]:
    period = _setup(ctx)
    client = Client()
    client.force_login(ctx.user)  # the secretariat: the table's forms too
    n = Practice.objects.filter(section__document=ctx.document).count()
    rows = Comment.objects.filter(period=period).count()
    rows += Amendment.objects.filter(period=period).count()
    size = f"{n} practices × {period.invited.count()} delegations, {rows:,} submissions"

    def get(url: str):
        def call():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        return call

    def url(name: str, *args) -> str:
        return reverse(f"drafting:{name}", args=[period.pk, *args])

    result = [
        measure("periods", f"compilation page ({size})", get(url("period-compilation")), repeat=3),
        measure(
            "periods",
            "compilation page, anonymised",
            get(url("period-compilation") + "?anonymise=1"),
            repeat=3,
        ),
        measure("periods", "disposition table page", get(url("period-dispositions")), repeat=3),
        measure(
            "periods",
            "compilation Word",
            get(url("period-compilation-export", "docx")),
            repeat=2,
            warmup=0,
        ),
        measure(
            "periods",
            "disposition table Word",
            get(url("period-dispositions-export", "docx")),
            repeat=2,
            warmup=0,
        ),
    ]
    # PDFs are typeset in this process here: the time is the typesetter's, not a child's start.
    with override_settings(EXPORT_TYPESET_IN_CHILD=False):
        for name, what in (
            ("period-compilation-export", "compilation PDF"),
            ("period-dispositions-export", "disposition table PDF"),
        ):
            result.append(measure("periods", what, get(url(name, "pdf")), repeat=1, warmup=0))
    return result
