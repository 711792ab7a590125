"""Planner statistics for the history tables, refreshed after bulk writes.

PostgreSQL plans a query from statistics that autovacuum gathers some time
after rows arrive. Right after an archive restore or an import of thousands of
history rows there are none, and a plan chosen blind can read a whole history
table once per practice (issue 13). The ``(id, history_id)`` index of every
history table keeps the "latest row per object" query cheap even then; this
module closes the window for every other query by gathering statistics at once.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connections


def history_tables() -> list[str]:
    """Database tables of every historical model of the drafting app (and its M2M tables)."""
    return sorted(
        model._meta.db_table
        for model in apps.get_app_config("drafting").get_models()
        if model._meta.db_table.startswith("drafting_historical")
    )


def analyze(tables: list[str] | None = None, *, using: str = "default") -> list[str]:
    """Gather planner statistics for ``tables`` (default: every history table); returns them.

    Call it after a bulk write (archive restore, import) has committed or inside
    its transaction: ``ANALYZE`` is allowed in a transaction on PostgreSQL, and on
    SQLite it fills ``sqlite_stat1`` for its planner. Reads only; never changes
    a row. Raises what the database raises (e.g. for an unknown table name).
    """
    tables = history_tables() if tables is None else tables
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return tables
