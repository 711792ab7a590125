"""History cannot be rewritten: append-only history tables, and users are never deleted.

Every historical table (simple-history's ``Historical*`` models, including the
ones recording many-to-many changes) carries database triggers that refuse
UPDATE and DELETE (and, on PostgreSQL, TRUNCATE). The triggers are created by
migration ``0002_history_append_only`` and, for historical tables added by
later migrations, again after every ``migrate`` (``post_migrate``); creation is
idempotent. The refusal is an ``IntegrityError`` on both databases.

The one way past them is :func:`maintenance`, a switch held by one database
connection for the duration of a ``with`` block: on SQLite a flag on the
connection object that the trigger reads through a function registered on that
connection; on PostgreSQL a session variable. Only the ``flush`` command (which
wipes a whole database, and which Django's test framework runs between
transactional tests) uses it. Nothing reads it from a request, a setting or the
environment, so no request can flip it; a process not running this code (the
``sqlite3`` shell) cannot even evaluate the trigger's condition and is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_delete
from simple_history.models import HistoricalChanges

SQLITE_FUNCTION = "drafting_history_maintenance"
PG_SETTING = "drafting.history_maintenance"
PG_FUNCTION = "drafting_history_append_only"
_FLAG = "_drafting_history_maintenance"

REFUSAL = "History is append-only: rows of {table} cannot be changed or deleted."


class UserDeletionRefused(PermissionDenied):
    """Users are deactivated, never deleted, so every history row keeps its author."""


def historical_tables(models: Iterable) -> list[str]:
    """The tables of the historical models among ``models`` (works on migration state too)."""
    return sorted(
        model._meta.db_table
        for model in models
        if issubclass(model, HistoricalChanges) and not model._meta.proxy
    )


# --- the maintenance switch ---------------------------------------------------


def in_maintenance(connection: BaseDatabaseWrapper) -> bool:
    return bool(getattr(connection, _FLAG, False))


@contextmanager
def maintenance(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let this connection change or delete history rows until the block ends.

    For wiping a database (``flush``) only; the application never calls it.
    """
    connection.ensure_connection()
    _register_sqlite_function(connection)
    setattr(connection, _FLAG, True)
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', false)", [PG_SETTING])
        yield
    finally:
        setattr(connection, _FLAG, False)
        if connection.vendor == "postgresql" and connection.connection is not None:
            # A broken transaction must not leave the switch on for the next user
            # of this (persistent) connection: roll back first if needed.
            if connection.needs_rollback or not connection.is_usable():
                connection.close()
            else:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', false)", [PG_SETTING])


def _register_sqlite_function(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite" or connection.connection is None:
        return
    # The trigger asks this connection, through this function, whether its
    # switch is on; the closure reads the flag of this connection object only.
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if in_maintenance(connection) else 0
    )


def _on_connection_created(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    _register_sqlite_function(connection)


# --- triggers -------------------------------------------------------------------


def _sqlite_statements(table: str) -> list[str]:
    message = REFUSAL.format(table=table).replace("'", "''")
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{table}_append_only_{op.lower()}" '
        f'BEFORE {op} ON "{table}" WHEN {SQLITE_FUNCTION}() = 0 '
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _postgresql_function() -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$
        BEGIN
            IF coalesce(current_setting('{PG_SETTING}', true), '') = 'on' THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'History is append-only: rows of % cannot be changed or deleted.',
                TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
        END
        $$ LANGUAGE plpgsql
    """


def _postgresql_statements(table: str) -> list[str]:
    return [
        f'CREATE OR REPLACE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE '
        f'ON "{table}" FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()',
        f'CREATE OR REPLACE TRIGGER "{table}_append_only_truncate" BEFORE TRUNCATE '
        f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()',
    ]


def install(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    """Create (or re-create) the append-only triggers on ``tables``. Idempotent."""
    tables = list(tables)
    if connection.vendor == "sqlite":
        statements = [sql for table in tables for sql in _sqlite_statements(table)]
    elif connection.vendor == "postgresql":
        statements = [_postgresql_function()]
        statements += [sql for table in tables for sql in _postgresql_statements(table)]
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"No append-only triggers for {connection.vendor}.")
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    """Drop the triggers (reverse migration)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "sqlite":
                for op in ("update", "delete"):
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only_{op}"')
            else:
                for name in (f"{table}_append_only", f"{table}_append_only_truncate"):
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')


def installed_tables(connection: BaseDatabaseWrapper) -> set[str]:
    """Tables that carry an append-only trigger (for tests and checks)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["%_append_only_%"],
            )
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname LIKE %s",
                ["%_append_only"],
            )
        return {row[0] for row in cursor.fetchall()}


def _after_migrate(sender, app_config, using: str = "default", apps=None, **kwargs) -> None:
    # Historical tables created by migrations after 0002 get their triggers here.
    if app_config.label != "drafting" or apps is None:
        return
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    tables = [t for t in historical_tables(apps.get_models()) if t in existing]
    install(connection, tables)


# --- users are never deleted ----------------------------------------------------


def _refuse_user_delete(sender, instance, using: str = "default", **kwargs) -> None:
    if in_maintenance(connections[using]):
        return
    raise UserDeletionRefused(
        f"User “{instance.get_username()}” cannot be deleted: history names them as an author. "
        "Deactivate the account instead (untick “Active”)."
    )


def connect() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="drafting.history_guard")
    post_migrate.connect(_after_migrate, dispatch_uid="drafting.history_guard.migrate")
    pre_delete.connect(
        _refuse_user_delete, sender=get_user_model(), dispatch_uid="drafting.history_guard.user"
    )
