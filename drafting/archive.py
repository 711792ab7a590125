"""A portable archive of everything the forum wrote: one JSON file, any database to any other.

``export_archive`` writes, and ``import_archive`` restores into an empty
database (SQLite or PostgreSQL), every row of: user accounts (with password
hashes, so people keep their logins) and their groups; every model of the
drafting application, current rows and complete history (who, when, why, at
which meeting), including the many-to-many history; and the admin's action log.
Primary keys are kept, so history rows still point at their objects and users.
Ephemeral state (sessions, log-in throttling records, who is editing right now)
is left out.

Values are written losslessly: datetimes in UTC with microseconds (history is
ordered by them), dates as ISO dates, binary as base64. References to Django's
content types and permissions, whose ids differ between databases, are written
as natural keys. Restoring inserts rows as they are (no signals, no new
history): the archive *is* the history.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from uuid import UUID

import django
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "drafting-archive"
VERSION = 1

# Models outside the drafting app that belong in the archive, in restore order.
EXTRA_MODELS = [
    "auth.User",
    "auth.Group",
    "auth.Group_permissions",
    "auth.User_groups",
    "auth.User_user_permissions",
    "admin.LogEntry",
]
# Drafting models that hold no record of the work, only the present moment.
TRANSIENT_MODELS = {"drafting.EditingPresence"}


class ArchiveError(Exception):
    """The archive cannot be written or restored; the message says why, in plain words."""


def archived_models() -> list[type[models.Model]]:
    """Every model the archive holds, in a stable order (constraints are checked at commit)."""
    chosen = [apps.get_model(label) for label in EXTRA_MODELS]
    chosen += [
        model
        for model in apps.get_app_config("drafting").get_models(include_auto_created=True)
        if model._meta.label not in TRANSIENT_MODELS and not model._meta.proxy
    ]
    return chosen


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _fields(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


# --- values ------------------------------------------------------------------------


def _natural_target(field: models.Field) -> type[models.Model] | None:
    if field.is_relation and field.related_model in (ContentType, Permission):
        return field.related_model
    return None


class _Lookups:
    """Natural keys <-> ids of content types and permissions in this database."""

    def __init__(self, using: str):
        self.using = using
        self._ct_by_id: dict[int, list[str]] = {}
        self._ct_by_key: dict[tuple[str, str], int] = {}
        self._perm_by_id: dict[int, list[str]] = {}
        self._perm_by_key: dict[tuple[str, str, str], int] = {}
        for ct in ContentType.objects.using(using).all():
            self._ct_by_id[ct.pk] = [ct.app_label, ct.model]
            self._ct_by_key[(ct.app_label, ct.model)] = ct.pk
        for perm in Permission.objects.using(using).select_related("content_type"):
            key = (perm.content_type.app_label, perm.content_type.model, perm.codename)
            self._perm_by_id[perm.pk] = list(key)
            self._perm_by_key[key] = perm.pk

    def to_key(self, model, pk: int | None) -> list[str] | None:
        if pk is None:
            return None
        return (self._ct_by_id if model is ContentType else self._perm_by_id)[pk]

    def to_pk(self, model, key: list[str] | None) -> int | None:
        if key is None:
            return None
        if model is ContentType:
            found = self._ct_by_key.get(tuple(key))
            if found is None:
                # A model known to the source but not yet to this database's content types.
                ct, _ = ContentType.objects.using(self.using).get_or_create(
                    app_label=key[0], model=key[1]
                )
                found = self._ct_by_key[tuple(key)] = ct.pk
            return found
        try:
            return self._perm_by_key[tuple(key)]
        except KeyError:
            raise ArchiveError(f"Permission {'.'.join(key)} does not exist here.") from None


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decode(field: models.Field, value: Any) -> Any:
    if value is None or isinstance(field, models.JSONField):
        return value
    return field.to_python(value)


# --- export ---------------------------------------------------------------------------


def _rows(model, fields, lookups: _Lookups, using: str) -> Iterator[list]:
    attnames = [f.attname for f in fields]
    natural = [_natural_target(f) for f in fields]
    queryset = model._base_manager.using(using).order_by("pk").values_list(*attnames)
    for row in queryset.iterator(chunk_size=2000):
        yield [
            lookups.to_key(target, value) if target else _encode(value)
            for value, target in zip(row, natural, strict=True)
        ]


def _applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def export_archive(out: IO[str], *, using: str = "default") -> dict[str, int]:
    """Write the archive to ``out``; returns rows written per model.

    Read inside one transaction, so the archive is one consistent moment even
    while people keep working (REPEATABLE READ on PostgreSQL).
    """
    counts: dict[str, int] = {}
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        # Inside a caller's transaction, that transaction decides what is seen.
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        lookups = _Lookups(using)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": _encode(timezone.now()),
            "source": {"database": connection.vendor, "django": django.get_version()},
            "migrations": _applied_migrations(using),
        }
        out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": [\n')
        for i, model in enumerate(archived_models()):
            fields = _fields(model)
            table_head = {
                "model": _label(model),
                "fields": [f.attname for f in fields],
            }
            out.write(("" if i == 0 else ",\n") + json.dumps(table_head)[:-1] + ', "rows": [')
            n = 0
            for row in _rows(model, fields, lookups, using):
                out.write(("\n" if n == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
                n += 1
            out.write("]}")
            counts[_label(model)] = n
        out.write("\n]}\n")
    return counts


# --- import ---------------------------------------------------------------------------


@dataclass
class _Table:
    model: type[models.Model]
    fields: list[models.Field]
    rows: list[list]


def _read(archive: dict) -> list[_Table]:
    if archive.get("format") != FORMAT:
        raise ArchiveError("This file is not a drafting archive.")
    if archive.get("version") != VERSION:
        raise ArchiveError(
            f"This archive has format version {archive.get('version')}; "
            f"this application reads version {VERSION}."
        )
    known = {_label(m): m for m in archived_models()}
    tables = []
    for table in archive["tables"]:
        model = known.get(table["model"])
        if model is None:
            raise ArchiveError(
                f"The archive holds {table['model']}, which this version of the application "
                "does not have. Restore it with the version that wrote it, then migrate."
            )
        by_attname = {f.attname: f for f in _fields(model)}
        if set(table["fields"]) != set(by_attname):
            missing = sorted(set(by_attname) - set(table["fields"]))
            extra = sorted(set(table["fields"]) - set(by_attname))
            raise ArchiveError(
                f"{table['model']} differs between the archive and this database "
                f"(only here: {', '.join(missing) or '-'}; only in the archive: "
                f"{', '.join(extra) or '-'}). Restore with the application version "
                "that wrote the archive, then migrate."
            )
        tables.append(_Table(model, [by_attname[name] for name in table["fields"]], table["rows"]))
    return tables


def _require_empty(tables: list[_Table], using: str) -> None:
    occupied = [_label(t.model) for t in tables if t.model._base_manager.using(using).exists()]
    if occupied:
        raise ArchiveError(
            "The database is not empty (it already holds "
            + ", ".join(occupied[:5])
            + (" …" if len(occupied) > 5 else "")
            + "). Restore into a freshly migrated, empty database."
        )


def import_archive(source: IO[str], *, using: str = "default") -> dict[str, int]:
    """Restore an archive into an empty, migrated database; returns rows restored per model.

    All or nothing: one transaction, foreign keys checked before it commits.
    """
    try:
        archive = json.load(source)
    except json.JSONDecodeError as error:
        raise ArchiveError(f"The file is not valid JSON ({error}).") from None
    tables = _read(archive)
    connection = connections[using]
    counts: dict[str, int] = {}
    with transaction.atomic(using=using):
        _require_empty(tables, using)
        lookups = _Lookups(using)
        for table in tables:
            counts[_label(table.model)] = _insert(table, lookups, using)
        # Every reference must resolve before anything is committed.
        connection.check_constraints(table_names=[t.model._meta.db_table for t in tables])
        _reset_sequences([t.model for t in tables], using)
    return counts


def _insert(table: _Table, lookups: _Lookups, using: str) -> int:
    natural = [_natural_target(f) for f in table.fields]
    objs = []
    for row in table.rows:
        obj = table.model()
        for field, target, value in zip(table.fields, natural, row, strict=True):
            setattr(
                obj,
                field.attname,
                lookups.to_pk(target, value) if target else _decode(field, value),
            )
        objs.append(obj)
    connection = connections[using]
    batch = max(1, connection.ops.bulk_batch_size(table.fields, objs) or 500)
    for start in range(0, len(objs), batch):
        # Django's raw insert (as loaddata does): values exactly as archived —
        # auto_now fields keep their dates, and no signal writes new history.
        table.model._base_manager.using(using)._insert(
            objs[start : start + batch], fields=table.fields, raw=True, using=using
        )
    return len(objs)


def _reset_sequences(model_list: list[type[models.Model]], using: str) -> None:
    """Make the next id of each table follow the restored ones (PostgreSQL sequences)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
