"""A portable archive of everything the forum wrote: one JSON file, any database to any other.

``export_archive`` writes, and ``import_archive`` restores into an empty
database (SQLite or PostgreSQL), every row of: user accounts (with password
hashes, so people keep their logins) and their groups; every model of the
drafting application, current rows and complete history (who, when, why, at
which meeting), including the many-to-many history; and the admin's action log.
Primary keys are kept, so history rows still point at their objects and users.
Ephemeral state (sessions, log-in throttling records, who is editing right now)
is left out.

The archive ends with a manifest: the number of rows of every table and a
SHA-256 digest of the header and every row. ``import_archive`` restores only
into a database that holds none of these rows, and only an archive that holds
every table and matches its manifest, so a trimmed or edited file can neither
be merged into live data (forged, back-dated history beside the real one) nor
restored as if it were the whole record. The digest is not a signature: it
proves the file is whole and as written, not who wrote it.

Values are written losslessly: datetimes in UTC with microseconds (history is
ordered by them), dates as ISO dates, binary as base64. References to Django's
content types and permissions, whose ids differ between databases, are written
as natural keys. Restoring inserts rows as they are (no signals, no new
history): the archive *is* the history.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
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

from drafting.history import planner

FORMAT = "drafting-archive"
# 2: ends with a manifest (row counts and a digest). 1: no manifest; still restored
# (into an empty database only, with a warning) so that old backups are not stranded.
VERSION = 2
READABLE_VERSIONS = {1, 2}
# The header fields the digest covers, in this order.
_HEADER_KEYS = ("format", "version", "created_at", "source", "migrations")

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
TRANSIENT_MODELS = {"drafting.EditingPresence", "drafting.ExportJob"}


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


# --- manifest ---------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    """The one JSON spelling of a value: what the digest covers, and how rows are written."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class _Digest:
    """SHA-256 over the header, then each table's model and fields, then each row, in order."""

    def __init__(self, header: dict):
        self._sha = hashlib.sha256()
        self.add(_canonical({key: header.get(key) for key in _HEADER_KEYS}))

    def add(self, text: str) -> None:
        self._sha.update(text.encode("utf-8") + b"\n")

    def table(self, label: str, fields: list[str]) -> None:
        self.add(_canonical([label, fields]))

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


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
        digest = _Digest(header)
        out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": [\n')
        for i, model in enumerate(archived_models()):
            fields = _fields(model)
            table_head = {
                "model": _label(model),
                "fields": [f.attname for f in fields],
            }
            digest.table(table_head["model"], table_head["fields"])
            out.write(("" if i == 0 else ",\n") + json.dumps(table_head)[:-1] + ', "rows": [')
            n = 0
            for row in _rows(model, fields, lookups, using):
                line = _canonical(row)
                digest.add(line)
                out.write(("\n" if n == 0 else ",\n") + line)
                n += 1
            out.write("]}")
            counts[_label(model)] = n
        manifest = {"counts": counts, "sha256": digest.hexdigest()}
        out.write('\n], "manifest": ' + json.dumps(manifest) + "}\n")
    return counts


# --- import ---------------------------------------------------------------------------


@dataclass
class _Table:
    model: type[models.Model]
    fields: list[models.Field]
    rows: list[list]


def _read(archive: dict, warn: Callable[[str], None]) -> list[_Table]:
    """The archive's tables, checked against this application and against the manifest.

    Raises ArchiveError, saying what is wrong, unless the file is a drafting
    archive of a version this application reads, holds every table this
    application archives (no more, no fewer), and — from version 2 on — has
    exactly the rows its manifest counts and digests.
    """
    if not isinstance(archive, dict) or archive.get("format") != FORMAT:
        raise ArchiveError("This file is not a drafting archive.")
    version = archive.get("version")
    if version not in READABLE_VERSIONS:
        raise ArchiveError(
            f"This archive has format version {version}; "
            f"this application reads versions {', '.join(map(str, sorted(READABLE_VERSIONS)))}."
        )
    known = {_label(m): m for m in archived_models()}
    tables = []
    for table in archive.get("tables") or []:
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
    _require_complete(tables, known)
    if version == 1:
        warn(
            "This archive was written before archives carried a manifest (format version 1): "
            "that it is complete and unedited cannot be checked. It is restored only because "
            "the database is empty; compare it with its source if you can, and keep archives "
            "written from now on (version 2), which are checked."
        )
    else:
        _check_manifest(archive, tables)
    return tables


def _require_complete(tables: list[_Table], known: dict[str, type[models.Model]]) -> None:
    labels = [_label(t.model) for t in tables]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    missing = [label for label in known if label not in labels]
    if duplicated or missing:
        raise ArchiveError(
            "The archive is incomplete or altered: "
            + "; ".join(
                part
                for part in (
                    missing and "it lacks " + _some(missing),
                    duplicated and "it repeats " + _some(duplicated),
                )
                if part
            )
            + ". Restore from the complete file export_archive wrote."
        )


def _some(labels: list[str]) -> str:
    return ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")


def _check_manifest(archive: dict, tables: list[_Table]) -> None:
    manifest = archive.get("manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("counts"), dict):
        raise ArchiveError(
            "The archive has no manifest: it was cut short or edited after it was written. "
            "Restore from the complete file export_archive wrote."
        )
    counts = manifest["counts"]
    wrong = [
        f"{_label(t.model)} has {len(t.rows)} rows, the manifest says {counts.get(_label(t.model))}"
        for t in tables
        if counts.get(_label(t.model)) != len(t.rows)
    ]
    if wrong or set(counts) != {_label(t.model) for t in tables}:
        raise ArchiveError(
            "The archive does not match its manifest ("
            + ("; ".join(wrong[:3]) or "it counts other tables")
            + "): rows were removed or added after it was written. "
            "Restore from the complete file export_archive wrote."
        )
    digest = _Digest(archive)
    for table in tables:
        digest.table(_label(table.model), [f.attname for f in table.fields])
        for row in table.rows:
            digest.add(_canonical(row))
    if digest.hexdigest() != manifest.get("sha256"):
        raise ArchiveError(
            "The archive does not match its manifest's digest: its content was changed after "
            "it was written. Restore from the complete file export_archive wrote."
        )


def _require_empty(using: str) -> None:
    """Refuse unless the database holds no row of any archived model (any table, not only
    those in the archive: a restore never merges into existing data)."""
    occupied = [
        _label(model) for model in archived_models() if model._base_manager.using(using).exists()
    ]
    if occupied:
        raise ArchiveError(
            "The database is not empty (it already holds "
            + _some(occupied)
            + "). Restore into a freshly migrated, empty database: an archive is never "
            "merged into existing data."
        )


def import_archive(
    source: IO[str], *, using: str = "default", warn: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Restore an archive into an empty, migrated database; returns rows restored per model.

    All or nothing: one transaction, foreign keys checked before it commits.
    Raises ArchiveError (nothing restored) for a file that is not a complete,
    unaltered archive this application reads, or a database that is not empty.
    ``warn`` receives warnings an operator should read (default: logged), such
    as an old archive whose completeness cannot be checked.
    """
    warn = warn or logging.getLogger("drafting.archive").warning
    try:
        archive = json.load(source)
    except json.JSONDecodeError as error:
        raise ArchiveError(f"The file is not valid JSON ({error}).") from None
    connection = connections[using]
    counts: dict[str, int] = {}
    with transaction.atomic(using=using):
        # Emptiness first: it is the rule that keeps a crafted file out of live data.
        _require_empty(using)
        tables = _read(archive, warn)
        lookups = _Lookups(using)
        for table in tables:
            counts[_label(table.model)] = _insert(table, lookups, using)
        # Every reference must resolve before anything is committed.
        connection.check_constraints(table_names=[t.model._meta.db_table for t in tables])
        _reset_sequences([t.model for t in tables], using)
        # Statistics now, not when autovacuum gets round to it: until then PostgreSQL
        # plans the restored history blind (drafting.history.planner, issue 13).
        planner.analyze([t.model._meta.db_table for t in tables], using=using)
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
