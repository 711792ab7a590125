"""Settings come from the environment."""

import os
import subprocess
import sys
from pathlib import Path

from drafting.settings import database_from_env

ROOT = Path(__file__).resolve().parent.parent


def test_default_database_is_a_sqlite_file_tuned_for_several_writers():
    config = database_from_env(None)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert str(config["NAME"]).endswith("db.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] >= 5


def test_postgres_url_selects_postgresql():
    config = database_from_env("postgres://drafter:s3cret@db.example.org:5433/drafting")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("drafting", "drafter", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.example.org", 5433)
    assert "OPTIONS" not in config or "transaction_mode" not in config.get("OPTIONS", {})


def _import_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import drafting.settings as s; print(s.DEBUG, bool(s.SECRET_KEY))"],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _import_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_fallback_key_only_with_debug():
    result = _import_settings({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True"
