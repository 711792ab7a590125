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

from drafting import actions, archive
from drafting.demo.loader import load_demo
from drafting.models import Document, Practice

ROOT = Path(__file__).resolve().parent.parent


def _export() -> dict:
    out = io.StringIO()
    archive.export_archive(out)
    return json.loads(out.getvalue())


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
    path.write_text(json.dumps(data))
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
