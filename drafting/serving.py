"""``make serve``: run the application in production mode with gunicorn.

    python -m drafting.serving [--no-migrate]

Refuses to start, saying which variable is missing, unless SECRET_KEY and
ALLOWED_HOSTS are set; forces DEBUG off; applies migrations and collects static
files (WhiteNoise serves them from the gunicorn processes); then replaces
itself with gunicorn. When several hosts serve one database, run migrations
once from the deploy step and start the others with ``--no-migrate``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REQUIRED = {
    "SECRET_KEY": "a long random string that signs sessions and forms, e.g. from "
    '`python -c "import secrets; print(secrets.token_urlsafe(50))"`',
    "ALLOWED_HOSTS": "the host names this site answers to, comma-separated, "
    "e.g. drafting.example.org",
}


def missing_settings(env: Mapping[str, str]) -> list[str]:
    """The required variables that are unset or blank, in a fixed order."""
    return [name for name in REQUIRED if not env.get(name, "").strip()]


def refusal(missing: list[str]) -> str:
    names = " and ".join(missing)
    verb = "is" if len(missing) == 1 else "are"
    lines = [f"Refusing to start: {names} {verb} not set."]
    lines += [f"  {name}: {REQUIRED[name]}" for name in missing]
    return "\n".join(lines)


def gunicorn_command(env: Mapping[str, str]) -> list[str]:
    """The gunicorn command line, from BIND (or HOST and PORT) and WEB_CONCURRENCY."""
    bind = env.get("BIND") or f"{env.get('HOST', '127.0.0.1')}:{env.get('PORT', '8000')}"
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    return [
        gunicorn,
        "drafting.wsgi:application",
        "--bind",
        bind,
        "--workers",
        env.get("WEB_CONCURRENCY", "3"),
        # Logs (requests and errors) to standard output/error for the process manager.
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        # Recycle workers now and then so a slow leak never grows unbounded.
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        # A PDF export of a long document takes a few seconds; leave room.
        "--timeout",
        env.get("GUNICORN_TIMEOUT", "60"),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    env = dict(os.environ)
    missing = missing_settings(env)
    if missing:
        print(refusal(missing), file=sys.stderr)
        return 2
    env["DEBUG"] = "0"
    manage = [sys.executable, str(ROOT / "manage.py")]
    steps = [] if "--no-migrate" in argv else [[*manage, "migrate", "--noinput"]]
    steps.append([*manage, "collectstatic", "--noinput", "-v0"])
    for step in steps:
        if subprocess.run(step, env=env, cwd=ROOT, check=False).returncode != 0:  # noqa: S603
            print(f"Refusing to start: `{' '.join(step[1:])}` failed.", file=sys.stderr)
            return 1
    command = gunicorn_command(env)
    print("Starting: " + " ".join(command), flush=True)
    os.chdir(ROOT)
    os.execve(command[0], command, env)  # noqa: S606
    return 0  # pragma: no cover - execve does not return


if __name__ == "__main__":
    sys.exit(main())
