"""Take the README's positions screenshots: the matrix and a practice with its positions.

    DEBUG=1 .venv/bin/python docs/positions_screenshot.py

Builds a scratch SQLite database with the demo forum (its positions, the
Netherlands' reservation on the record, a practice agreed ad referendum), serves
it with ``runserver`` and photographs the pages, as the secretariat, with
headless Chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="drafting-shots-"))
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "drafting.settings",
    }
    os.environ.update(env)
    python = sys.executable
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--quiet-logins"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603
    import django

    django.setup()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        shoot(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait()


def shoot(base: str) -> None:
    from playwright.sync_api import sync_playwright

    from drafting.demo import content
    from drafting.models import Practice

    slug = content.DOCUMENT["slug"]
    practice = (
        Practice.objects.filter(section__document__slug=slug, section__title="Prevention")
        .order_by("position")
        .first()
    )
    section_url = practice.section.get_absolute_url()  # before Playwright's event loop starts
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "secretariat")
        page.fill("#id_password", content.DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/documents/{slug}/positions/")
        page.screenshot(path=str(ROOT / "docs" / "positions-matrix.png"), full_page=False)
        page.goto(f"{base}{section_url}#practice-{practice.pk}")
        page.locator(f"#practice-{practice.pk}").scroll_into_view_if_needed()
        page.screenshot(path=str(ROOT / "docs" / "positions-practice.png"), full_page=False)
        browser.close()
    print("docs/positions-matrix.png and docs/positions-practice.png written.")


if __name__ == "__main__":
    main()
