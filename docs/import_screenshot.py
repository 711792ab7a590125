"""Take the README's import screenshot: the preview of a messy Word draft.

    DEBUG=1 .venv/bin/python docs/import_screenshot.py

Builds a scratch SQLite database in a temporary directory, loads the demo forum,
serves it with ``runserver``, logs in as the demo secretariat, uploads
tests/fixtures/import/vessen-community-policing.messy.docx and photographs the
preview (nothing is imported) with headless Chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs.workflow_screenshot import CHROMIUM_ARGS, free_port  # noqa: E402

DRAFT = ROOT / "tests" / "fixtures" / "import" / "vessen-community-policing.messy.docx"


def main() -> None:
    import os
    import socket
    import subprocess
    import tempfile
    import time

    scratch = Path(tempfile.mkdtemp(prefix="drafting-shots-"))
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "drafting.settings",
    }
    python = sys.executable
    # Fixed argument lists run with our own interpreter: nothing untrusted reaches them.
    subprocess.run(  # noqa: S603
        [python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(  # noqa: S603
        [python, "manage.py", "seed_demo", "--quiet-logins"], cwd=ROOT, env=env, check=True
    )
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
    os_environ = __import__("os").environ
    os_environ.setdefault("DJANGO_SETTINGS_MODULE", "drafting.settings")
    from playwright.sync_api import sync_playwright

    from drafting.demo import content

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "secretariat")
        page.fill("#id_password", content.DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/imports/new/")
        page.set_input_files("#id_file", str(DRAFT))
        page.get_by_role("button", name="Read the file").click()
        page.wait_for_selector(".import-preview")
        page.screenshot(path=str(ROOT / "docs" / "import-preview.png"), full_page=False)
        # Good Practice 11: typed "(a)"/"(i)" sub-items, as in the file and as stored.
        page.locator(".import-practice").nth(10).evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(ROOT / "docs" / "import-preview-practice.png"), full_page=False)
        browser.close()
    print("docs/import-preview.png and docs/import-preview-practice.png written.")


if __name__ == "__main__":
    main()
