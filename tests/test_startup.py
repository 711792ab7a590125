"""What a process loads at start-up (issue 13): lean for web workers and export commands.

Each check runs a fresh interpreter, as gunicorn and ``manage.py`` do, and asks
which modules it holds; no timing is involved.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("docx", "typst", "pypandoc", "lxml")


def _fresh(code: str, **env: str) -> dict:
    done = subprocess.run(  # noqa: S603  (our own interpreter and fixed code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "drafting.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


_LOADED = (
    "import json, sys; "
    f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
)


def test_a_web_worker_starts_without_the_export_writers():
    # What a gunicorn worker imports: the WSGI application and, with it, every URL and view.
    loaded = _fresh("import drafting.wsgi, drafting.urls; " + _LOADED)
    assert loaded == []


def test_the_export_writers_load_when_a_format_is_asked_for():
    loaded = _fresh(
        "import django; django.setup(); from drafting import export; "
        "export.writer('docx'); " + _LOADED
    )
    assert "docx" in loaded


def test_workers_freeze_what_start_up_built_unless_told_not_to():
    code = "import gc, json, drafting.wsgi; print(json.dumps(gc.get_freeze_count()))"
    assert _fresh(code) > 0
    assert _fresh(code, GC_FREEZE="0") == 0
