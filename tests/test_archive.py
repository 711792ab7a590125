"""export_archive / import_archive: every row and every history row survives a move between
databases, and documents reconstructed at past moments read the same afterwards."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from drafting import actions, archive
from drafting.demo.loader import load_demo
from drafting.models import Document, Practice

ROOT = Path(__file__).resolve().parent.parent


def _export() -> dict:
    out = io.StringIO()
    archive.export_archive(out)
    return json.loads(out.getvalue())


def _planner_statistics(table: str) -> int:
    """How many statistics rows the database's planner holds for ``table``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0]


def _forget_planner_statistics(table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test database's user is a superuser, as in CI.
            cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])
        elif _planner_statistics(table):
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])


@pytest.mark.django_db(transaction=True)
def test_a_restore_gathers_planner_statistics_for_the_history_tables(tmp_path):
    """Right after a restore the planner must not plan the history blind (issue 13)."""
    load_demo()
    path = tmp_path / "forum.json"
    call_command("export_archive", str(path), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    table = Practice.history.model._meta.db_table
    _forget_planner_statistics(table)
    assert _planner_statistics(table) == 0

    call_command("import_archive", str(path), stdout=io.StringIO())
    assert _planner_statistics(table) > 0


@pytest.mark.django_db(transaction=True)
def test_round_trip_in_one_database_restores_every_row_and_history_row(tmp_path):
    load_demo()
    before = _export()
    path = tmp_path / "forum.json"
    call_command("export_archive", str(path), stdout=io.StringIO())
    assert json.loads(path.read_text())["tables"] == before["tables"]
    assert not path.with_name("forum.json.partial").exists()

    call_command("flush", interactive=False, verbosity=0)
    assert not Practice.history.exists()
    out = io.StringIO()
    call_command("import_archive", str(path), stdout=out)
    assert "history rows" in out.getvalue()
    assert _export()["tables"] == before["tables"]

    # New rows continue after the restored ids (sequences were reset).
    document = Document.objects.get()
    practice = Practice.objects.order_by("-pk").first()
    from drafting.models import ExpertProfile

    clerk = ExpertProfile.objects.filter(role="secretariat").first().user
    section = next(s for s in document.sections.all() if s.status == "drafting")
    added = actions.create_practice(section, by=clerk, heading="After the restore")
    assert added.pk > practice.pk
    assert added.history.get().history_id > max(
        Practice.history.exclude(id=added.pk).values_list("history_id", flat=True)
    )


def test_archive_holds_every_model_of_the_application_except_transient_ones():
    from django.apps import apps

    labels = {m._meta.label for m in archive.archived_models()}
    for model in apps.get_app_config("drafting").get_models(include_auto_created=True):
        assert model._meta.label in labels or model._meta.label in archive.TRANSIENT_MODELS
    assert {
        "auth.User",
        "drafting.HistoricalPractice",
        "drafting.HistoricalDocument_co_leads",
    } <= labels


def test_archive_keeps_history_dates_to_the_microsecond_and_reasons(db, secretariat):
    from tests.conftest import make_document

    make_document(by=secretariat, sections=1, practices=1)
    row = Practice.history.get()
    data = _export()
    table = next(t for t in data["tables"] if t["model"] == "drafting.historicalpractice")
    (values,) = table["rows"]
    record = dict(zip(table["fields"], values, strict=True))
    assert record["history_date"] == row.history_date.isoformat()
    assert record["history_user_id"] == secretariat.pk
    assert record["history_change_reason"] == "Test practice."


def test_import_refuses_a_database_that_is_not_empty(db, secretariat, tmp_path):
    from tests.conftest import make_document

    make_document(by=secretariat, sections=1, practices=1)
    path = tmp_path / "a.json"
    call_command("export_archive", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("import_archive", str(path), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_import_is_all_or_nothing(secretariat, tmp_path):
    from tests.conftest import make_document

    make_document(by=secretariat, sections=1, practices=2)
    data = _export()
    call_command("flush", interactive=False, verbosity=0)
    # Break one reference: a practice pointing at a section that is not in the archive.
    table = next(t for t in data["tables"] if t["model"] == "drafting.practice")
    table["rows"][-1][table["fields"].index("section_id")] = 999_999
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(_seal(data)))  # past the manifest check, to the insert
    with pytest.raises(Exception, match=r"(?i)foreign key|999999|invalid"):
        call_command("import_archive", str(path), stdout=io.StringIO())
    assert not Document.objects.exists() and not Practice.history.exists()


def test_import_refuses_files_that_are_not_archives(db, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(CommandError, match="not a drafting archive"):
        call_command("import_archive", str(path))
    path.write_text("not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_archive", str(path))


# --- SQLite -> PostgreSQL -> SQLite, through the commands an operator runs ---------------------


def _postgres_server() -> dict | None:
    """Connection settings of a reachable PostgreSQL server, or None."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = os.environ.get("ARCHIVE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/x")
    config = dj_database_url.parse(url)
    try:
        psycopg2.connect(
            dbname="postgres",
            user=config["USER"],
            password=config["PASSWORD"] or None,
            host=config["HOST"],
            port=config["PORT"] or 5432,
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError:
        return None
    return config


def _admin(config: dict, sql: str) -> None:
    conn = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def _manage(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0"}
    env.setdefault("SECRET_KEY", "archive-test-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    env.setdefault("ALLOWED_HOSTS", "testserver")
    result = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


def test_round_trip_sqlite_to_postgresql_to_sqlite(tmp_path):
    config = _postgres_server()
    if config is None:
        pytest.skip("no PostgreSQL server reachable for the SQLite -> PostgreSQL -> SQLite trip")
    # A database of this run's own, named after the suite's database when there is one.
    base = config["NAME"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
    name = f"{base or 'drafting'}_archive_{uuid.uuid4().hex[:8]}"
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    pg_url = f"postgres://{auth}@{config['HOST']}:{config['PORT'] or 5432}/{name}"
    first = f"sqlite:///{tmp_path / 'first.sqlite3'}"
    last = f"sqlite:///{tmp_path / 'last.sqlite3'}"
    _admin(config, f'CREATE DATABASE "{name}"')
    try:
        _manage(first, "manage.py", "migrate", "-v0")
        _manage(first, "manage.py", "seed_demo", "--quiet-logins")
        _manage(first, "manage.py", "export_archive", str(tmp_path / "from-sqlite.json"))
        _manage(pg_url, "manage.py", "migrate", "-v0")
        _manage(pg_url, "manage.py", "import_archive", str(tmp_path / "from-sqlite.json"))
        _manage(pg_url, "manage.py", "export_archive", str(tmp_path / "from-postgres.json"))
        _manage(last, "manage.py", "migrate", "-v0")
        _manage(last, "manage.py", "import_archive", str(tmp_path / "from-postgres.json"))

        probes = {
            url: json.loads(_manage(url, "-m", "tests.archive_probe"))
            for url in (first, pg_url, last)
        }
    finally:
        _admin(config, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    original, postgres, restored = probes[first], probes[pg_url], probes[last]
    assert (original["vendor"], postgres["vendor"], restored["vendor"]) == (
        "sqlite",
        "postgresql",
        "sqlite",
    )
    history_rows = sum(len(r) for m, r in original["rows"].items() if ".historical" in m)
    assert history_rows > 200
    for label, rows in original["rows"].items():
        assert postgres["rows"][label] == rows, f"{label} differs in PostgreSQL"
        assert restored["rows"][label] == rows, f"{label} differs after the round trip"
    assert len(original["snapshots"]) > 20
    assert postgres["snapshots"] == original["snapshots"]
    assert restored["snapshots"] == original["snapshots"]
    # And the archives themselves are the same, table for table.
    tables = [
        json.loads((tmp_path / f).read_text())["tables"]
        for f in ("from-sqlite.json", "from-postgres.json")
    ]
    assert tables[0] == tables[1]


# --- completeness: a trimmed or edited archive is never restored, never merged ----------------


def _seal(data: dict) -> dict:
    """Recompute the manifest as a forger who knows the format would (the digest is no key)."""
    digest = archive._Digest(data)
    for table in data["tables"]:
        digest.table(table["model"], table["fields"])
        for row in table["rows"]:
            digest.add(archive._canonical(row))
    data["manifest"] = {
        "counts": {t["model"]: len(t["rows"]) for t in data["tables"]},
        "sha256": digest.hexdigest(),
    }
    return data


def _import(data: dict, tmp_path, name: str = "a.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    err = io.StringIO()
    call_command("import_archive", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def _history_rows() -> int:
    return Practice.history.count() + Document.history.count()


def test_archive_ends_with_a_manifest_of_counts_and_a_digest(db, secretariat):
    from tests.conftest import make_document

    make_document(by=secretariat, sections=1, practices=2)
    data = _export()
    assert data["version"] == archive.VERSION == 2
    counts = data["manifest"]["counts"]
    assert counts == {t["model"]: len(t["rows"]) for t in data["tables"]}
    assert counts["drafting.practice"] == 2 and counts["drafting.historicalpractice"] == 2
    assert _seal(json.loads(json.dumps(data)))["manifest"]["sha256"] == data["manifest"]["sha256"]


def test_a_partial_archive_is_never_merged_into_a_live_database(db, secretariat, tmp_path):
    from tests.conftest import make_document

    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    data = _export()
    before = _history_rows()
    # A forged, back-dated edit of the practice: only the history table, sealed anew ...
    history = next(t for t in data["tables"] if t["model"] == "drafting.historicalpractice")
    forged = dict(zip(history["fields"], history["rows"][0], strict=True))
    forged.update(
        history_id=10_000,
        history_date="2001-01-01T00:00:00+00:00",
        history_type="~",
        heading="Forged heading",
        history_change_reason="Agreed in 2001.",
    )
    trimmed = {**data, "tables": [{**history, "rows": [list(forged.values())]}]}
    with pytest.raises(CommandError, match="The database is not empty"):
        _import(_seal(trimmed), tmp_path)
    # ... or every table present but holding only the forged row.
    emptied = {
        **data,
        "tables": [
            {**t, "rows": [list(forged.values())] if t is history else []} for t in data["tables"]
        ],
    }
    with pytest.raises(CommandError, match="The database is not empty"):
        _import(_seal(emptied), tmp_path)
    assert _history_rows() == before
    assert not Practice.history.filter(heading="Forged heading").exists()
    assert practice.history.count() == 1


def test_any_row_of_any_archived_table_makes_the_database_not_empty(db, tmp_path):
    from tests.conftest import make_user

    data = _export()  # of an empty database: every table, no rows
    make_user(None)  # one account, nothing else
    with pytest.raises(CommandError, match=r"not empty \(it already holds auth.user"):
        _import(data, tmp_path)


@pytest.mark.django_db(transaction=True)
def test_only_a_complete_unaltered_archive_is_restored(secretariat, tmp_path):
    from tests.conftest import make_document

    make_document(by=secretariat, sections=1, practices=2)
    data = _export()
    call_command("flush", interactive=False, verbosity=0)

    def refused(changed: dict, says: str) -> None:
        with pytest.raises(CommandError, match=says):
            _import(changed, tmp_path)
        assert not Document.objects.exists() and not Practice.history.exists()

    def copy() -> dict:
        return json.loads(json.dumps(data))

    # A table left out (sealed anew or not).
    lacking = copy()
    lacking["tables"] = [t for t in lacking["tables"] if t["model"] != "drafting.comment"]
    refused(lacking, "incomplete or altered: it lacks drafting.comment")
    refused(_seal(lacking), "incomplete or altered: it lacks drafting.comment")
    # A table twice.
    doubled = copy()
    doubled["tables"].append(doubled["tables"][0])
    refused(_seal(doubled), "it repeats auth.user")
    # History rows cut out.
    cut = copy()
    history = next(t for t in cut["tables"] if t["model"] == "drafting.historicalpractice")
    del history["rows"][-1]
    refused(cut, "historicalpractice has 1 rows, the manifest says 2")
    # A reason or a date edited, counts intact.
    edited = copy()
    history = next(t for t in edited["tables"] if t["model"] == "drafting.historicalpractice")
    reason = history["fields"].index("history_change_reason")
    history["rows"][0][reason] = "Agreed at a meeting that never happened."
    refused(edited, "does not match its manifest's digest")
    redated = copy()
    history = next(t for t in redated["tables"] if t["model"] == "drafting.historicalpractice")
    history["rows"][0][history["fields"].index("history_date")] = "2001-01-01T00:00:00+00:00"
    refused(redated, "does not match its manifest's digest")
    # No manifest at all in a version 2 archive.
    bare = copy()
    del bare["manifest"]
    refused(bare, "has no manifest")
    # An unknown version.
    future = copy()
    future["version"] = 3
    refused(future, "format version 3; this application reads versions 1, 2")

    assert "Warning" not in _import(data, tmp_path)
    assert Practice.objects.count() == 2 and Practice.history.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_archive_from_before_manifests_is_restored_into_an_empty_database_with_a_warning(
    secretariat, tmp_path
):
    from tests.conftest import make_document

    make_document(by=secretariat, sections=1, practices=2)
    old = _export()
    old["version"] = 1
    del old["manifest"]
    # Version 1 files were written without a manifest; still all tables are required.
    lacking = {**old, "tables": [t for t in old["tables"] if t["model"] != "drafting.comment"]}
    with pytest.raises(CommandError, match="not empty"):
        _import(old, tmp_path)  # into the live database: refused like any archive
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="it lacks drafting.comment"):
        _import(lacking, tmp_path)
    warning = _import(old, tmp_path)
    assert "format version 1" in warning and "cannot be checked" in warning
    assert Practice.objects.count() == 2 and Practice.history.count() == 2
