"""PostgreSQL plans for "each object's latest history row" that cannot collapse (issue 13).

Right after a bulk import, or where autovacuum lags, a history table has no
planner statistics. PostgreSQL then guessed that walking the whole table
backwards by history_id would soon meet a practice's latest row, and did so once
per practice: 8 s for one query, 36 s for a meeting page. The ``(id,
history_id)`` index of every history table (drafting.models.base) makes the
cheap plan the obvious one without statistics. These tests read the plans
(``EXPLAIN``), never a timing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from drafting.history import stamp
from drafting.models import Practice, ReviewMeeting
from tests.conftest import login, make_document

HISTORY = "drafting_historicalpractice"
LATEST_INDEX = "hist_practice_latest"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Query plans are PostgreSQL's: CI's PostgreSQL pass runs these tests.",
)


def _aged_document(by, *, rounds: int):
    """A document of 40 practices, each edited ``rounds`` times over the past year."""
    start = timezone.now() - timedelta(days=365)
    document = make_document(by=by, sections=4, practices=10, when=start)
    practices = list(Practice.objects.filter(section__document=document).order_by("id"))
    for r in range(rounds):
        for practice in practices:
            practice.body = f"{practice.body} Round {r}."
            practice.revision += 1
            practice._history_date = start + timedelta(days=1 + r * 300 / rounds)
        bulk_update_with_history(
            practices,
            Practice,
            ["body", "revision"],
            default_user=by,
            default_change_reason=f"Edit round {r + 1}.",
        )
    return document


def _forget_statistics() -> None:
    """As right after an import: no planner statistics on the history tables.

    Rolled back with the test's transaction (the test database's user is a superuser).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM pg_statistic WHERE starelid IN "
            "(SELECT oid FROM pg_class WHERE relname LIKE 'drafting_historical%%')"
        )


def _plans(queries: list[dict]) -> list[tuple[str, dict]]:
    """EXPLAIN (JSON) of every SELECT a page ran on the practice history table."""
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or HISTORY not in sql:
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            raw = cursor.fetchone()[0]
            plans.append((sql, (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]))
    return plans


def _nodes(plan: dict, *, repeated: bool = False) -> Iterator[tuple[dict, bool]]:
    """Every plan node, with whether it runs once per row of an outer node."""
    yield plan, repeated
    for child in plan.get("Plans", []):
        relation = child.get("Parent Relationship")
        if plan["Node Type"] in {"Materialize", "Hash"}:
            runs_again = False  # its child is read once, then replayed from memory
        else:
            runs_again = (
                repeated
                or relation == "SubPlan"
                or (plan["Node Type"] == "Nested Loop" and relation == "Inner")
            )
        yield from _nodes(child, repeated=runs_again)


def _scans_per_row(plan: dict) -> list[str]:
    """Scans of the practice history table, run once per outer row, that read the table.

    Repeated work is fine only when an index condition finds the rows it wants
    (a bitmap scan always has one); a sequential scan, or an index walk that
    filters rows afterwards (the collapsed plan), reads the whole table each time.
    """
    bad = []
    for node, repeated in _nodes(plan):
        if not repeated or node.get("Relation Name") != HISTORY:
            continue
        kind = node["Node Type"]
        if (
            kind == "Seq Scan"
            or kind in {"Index Scan", "Index Only Scan"}
            and ("Index Cond" not in node)
        ):
            bad.append(f"{kind} {node.get('Index Name', '')} {node.get('Filter', '')}")
    return bad


def _meeting_page_plans(client, user, meeting) -> list[tuple[str, dict]]:
    login(client, user)
    _forget_statistics()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("drafting:meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200
    return _plans(captured.captured_queries)


def _meeting(document, by) -> ReviewMeeting:
    # A meeting three months ago: its opening and close cut through the history.
    start = timezone.localdate() - timedelta(days=90)
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        status=ReviewMeeting.Status.HELD,
        title="Review meeting",
        city="Rabat",
        starts_on=start,
        ends_on=start + timedelta(days=1),
    )
    stamp(meeting, by=by, reason="Planned.")
    meeting.save()
    return meeting


def test_meeting_page_finds_latest_rows_through_the_index_without_statistics(client, secretariat):
    document = _aged_document(secretariat, rounds=40)
    meeting = _meeting(document, secretariat)
    plans = _meeting_page_plans(client, secretariat, meeting)

    assert plans, "the meeting page reads the practice history"
    for sql, plan in plans:
        assert _scans_per_row(plan) == [], sql
    used = {node.get("Index Name") for _, plan in plans for node, _ in _nodes(plan)}
    assert LATEST_INDEX in used
