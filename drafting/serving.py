"""``make serve``: run the application in production mode with gunicorn.

    python -m drafting.serving [--no-migrate]

Refuses to start, saying which variable is missing, unless SECRET_KEY and
ALLOWED_HOSTS are set; forces DEBUG off; applies migrations and collects static
files (WhiteNoise serves them from the gunicorn processes); then replaces
itself with gunicorn. When several hosts serve one database, run migrations
once from the deploy step and start the others with ``--no-migrate``.
"""

from __future__ import annotations

import gc
import ipaddress
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

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


def trusted_proxies(value: str) -> list[str]:
    """TRUSTED_PROXIES (``"127.0.0.1, 10.0.0.0/8"``) -> networks (``["127.0.0.1/32", ...]``).

    The one reading of the setting, for the application (drafting.settings) and
    for gunicorn (gunicorn_command), so both trust the same peers: forwarded
    headers (client address, https) are believed only from these addresses.
    Empty means no proxy: the socket's peer is the client. Raises
    ImproperlyConfigured, naming the entry, for anything that is not an address
    or network, and for ``*`` (that would believe every client's headers).
    """
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        if item == "*":
            raise ImproperlyConfigured(
                "TRUSTED_PROXIES cannot be '*' (that would believe headers any client forges): "
                "list your proxies' addresses, e.g. 127.0.0.1 or 10.0.0.0/8."
            )
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {item!r} is not an IP address or network "
                "(e.g. 127.0.0.1, ::1 or 10.0.0.0/8)."
            ) from None
    return networks


def gunicorn_command(env: Mapping[str, str]) -> list[str]:
    """The gunicorn command line, from BIND (or HOST and PORT), WEB_CONCURRENCY, TRUSTED_PROXIES.

    gunicorn believes ``X-Forwarded-Proto`` (and so says a request was https)
    only from ``--forwarded-allow-ips``; its default, 127.0.0.1, would believe
    any local process even when no proxy is configured. It is set from
    TRUSTED_PROXIES, the list the application trusts, and is empty without one.
    """
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
        # The same peers the application believes (none when TRUSTED_PROXIES is unset).
        "--forwarded-allow-ips",
        ",".join(trusted_proxies(env.get("TRUSTED_PROXIES", ""))),
        # A PDF export of a long document takes a few seconds; leave room.
        "--timeout",
        env.get("GUNICORN_TIMEOUT", "60"),
    ]


def freeze_after_startup() -> None:
    """Import what every request needs, then move it out of the garbage collector's sight.

    Called by drafting.wsgi in each gunicorn worker once the application is loaded
    (issue 13). A document page allocates enough objects to set off collections,
    and a full collection walked every module, class, URL pattern and compiled
    template the process holds: the slowest requests were the ones that paid for
    it (p95 2.7x the p50). ``gc.freeze()`` puts those start-up objects in a
    permanent generation that collections skip; they live as long as the process
    anyway. Nothing is ever freed because of it. Raises nothing.
    """
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every view module)
    for name in ("base.html", "drafting/document_detail.html", "drafting/section_detail.html"):
        get_template(name)  # compiled once per worker; keep them out of collections too
    gc.collect()
    gc.freeze()


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
    try:
        command = gunicorn_command(env)
    except ImproperlyConfigured as error:
        print(f"Refusing to start: {error}", file=sys.stderr)
        return 2
    print("Starting: " + " ".join(command), flush=True)
    os.chdir(ROOT)
    os.execve(command[0], command, env)  # noqa: S606
    return 0  # pragma: no cover - execve does not return


if __name__ == "__main__":
    sys.exit(main())
