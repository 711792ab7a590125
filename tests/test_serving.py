"""`make serve` for real: gunicorn + WhiteNoise, DEBUG off; /healthz when the database is gone."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _serve(
    tmp_path: Path, database_url: str, *args: str, **extra_env: str
) -> tuple[subprocess.Popen, str, Path]:
    port = _free_port()
    unset = {"DJANGO_ALLOW_ASYNC_UNSAFE", "TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        SECRET_KEY="serve-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        DEBUG="1",  # make serve must switch it off
        # Its own static folder: other test runs read the shared one meanwhile.
        STATIC_ROOT=str(tmp_path / "static"),
        **extra_env,
    )
    log = tmp_path / f"serve-{port}.log"
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "drafting.serving", *args],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}", log


def _wait(process, base: str, log: Path, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            pytest.fail(f"make serve exited:\n{log.read_text()[-3000:]}")
        try:
            _get(base + "/healthz")
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"make serve did not answer:\n{log.read_text()[-3000:]}")


def _stop(process) -> None:
    process.terminate()  # gunicorn's master (the serving module exec'd into it)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def test_serve_runs_gunicorn_with_whitenoise_and_debug_off(tmp_path):
    process, base, log = _serve(tmp_path, f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    try:
        _wait(process, base, log)
        status, _, body = _get(base + "/healthz")
        assert (status, body) == (200, b'{"status": "ok", "database": "ok"}')

        status, headers, page = _get(base + "/accounts/login/")
        assert status == 200 and "Content-Security-Policy" in headers
        stylesheet = re.search(rb'href="(/static/drafting/app\.[0-9a-f]+\.css)"', page)
        assert stylesheet, "static files are hashed (manifest storage, DEBUG off)"
        status, headers, _ = _get(base + stylesheet.group(1).decode())
        assert status == 200 and "immutable" in headers["Cache-Control"]  # WhiteNoise

        status, _, page = _get(base + "/no-such-page/")
        assert status == 404 and b"Traceback" not in page and b"Not found" in page

        # No proxy configured: gunicorn must not believe a local client that says "https"
        # (its own default trusts 127.0.0.1); HSTS is only sent on https requests.
        _, headers, _ = _get(base + "/accounts/login/", {"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in headers
    finally:
        _stop(process)
    output = log.read_text()
    assert "Starting: " in output and "gunicorn" in output


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    unreachable = f"sqlite:///{tmp_path / 'no-such-directory' / 'db.sqlite3'}"
    process, base, log = _serve(tmp_path, unreachable, "--no-migrate")
    try:
        _wait(process, base, log)
        status, _, body = _get(base + "/healthz")
        assert status == 503 and b"unreachable" in body
    finally:
        _stop(process)


def test_serve_believes_the_https_header_only_from_trusted_proxies(tmp_path):
    process, base, log = _serve(
        tmp_path, f"sqlite:///{tmp_path / 'serve.sqlite3'}", TRUSTED_PROXIES="127.0.0.1"
    )
    try:
        _wait(process, base, log)
        _, headers, _ = _get(base + "/accounts/login/", {"X-Forwarded-Proto": "https"})
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        _, headers, _ = _get(base + "/accounts/login/")
        assert "Strict-Transport-Security" not in headers
    finally:
        _stop(process)
    assert "--forwarded-allow-ips 127.0.0.1/32 " in log.read_text()


def _gunicorn_settings(command: list[str]):
    """What gunicorn itself makes of our command line (its own parser and validators)."""
    from gunicorn.config import Config

    config = Config()
    parsed = config.parser().parse_args(command[1:])
    for name, value in vars(parsed).items():
        if value is not None and name in config.settings:
            config.set(name, value)
    return config


def test_gunicorn_trusts_forwarded_headers_from_the_applications_proxies_only():
    from drafting.serving import gunicorn_command

    unset = gunicorn_command({})
    assert unset[unset.index("--forwarded-allow-ips") + 1] == ""
    assert _gunicorn_settings(unset).forwarded_allow_ips == []  # not gunicorn's 127.0.0.1

    proxies = gunicorn_command({"TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, ::1"})
    value = proxies[proxies.index("--forwarded-allow-ips") + 1]
    assert value == "127.0.0.1/32,10.0.0.0/8,::1/128"
    assert _gunicorn_settings(proxies).forwarded_allow_ips == value.split(",")


def test_serve_refuses_trusted_proxies_it_cannot_read():
    from django.core.exceptions import ImproperlyConfigured

    from drafting.serving import gunicorn_command

    with pytest.raises(ImproperlyConfigured, match="'nginx' is not an IP address"):
        gunicorn_command({"TRUSTED_PROXIES": "nginx"})
