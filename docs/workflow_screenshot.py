"""Take the README's workflow screenshots: the dashboard and a section under review.

    DEBUG=1 .venv/bin/python docs/workflow_screenshot.py

Builds a scratch SQLite database in a temporary directory, loads the demo forum,
lets the demo users do some review work through the ordinary workflow functions
(sections sent for review and approved, amendments proposed, comments), serves
it with ``runserver`` and photographs the pages with headless Chromium.
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


def review_activity() -> None:
    """What a secretariat and a few experts would have done during the review."""
    from django.contrib.auth import get_user_model

    from drafting import review, workflow
    from drafting.demo import content
    from drafting.models import Document

    users = {u.username: u for u in get_user_model().objects.all()}
    clerk, ma, us, nl = (users[n] for n in ("secretariat", "expert.ma", "expert.us", "expert.nl"))
    document = Document.objects.get(slug=content.DOCUMENT["slug"])
    sections = {s.title: s for s in document.sections.all()}
    workflow.open_document_review(document, by=clerk, reason="Draft 3 agreed in Rabat.")
    for title in ("Prevention", "Detection", "Intervention", "Response"):
        workflow.request_review(sections[title], by=ma, reason="Ready for the members' review.")
    for title in ("Prevention", "Detection"):
        workflow.approve_section(sections[title], by=clerk, note="Agreed at the Rabat meeting.")
    intervention = sections["Intervention"]
    first, second, *_ = intervention.practices.order_by("position")
    review.propose_change(
        first,
        by=us,
        heading=first.heading,
        body=first.body.replace("families", "families, teachers and youth workers", 1)
        if "families" in first.body
        else first.body + "\n\nTeachers and youth workers should be part of this.",
        rationale="Those who meet young people every day notice change first.",
    )
    review.propose_deletion(second, by=nl, rationale="Covered by the practice before it.")
    thread = review.add_comment(
        intervention,
        by=nl,
        body="Could the secretariat check the wording against the *Rabat* outcome?",
        practice=first,
    )
    review.reply_to_comment(thread, by=clerk, body="Yes — we will circulate a note.")
    review.add_comment(sections["Response"], by=us, body="Victims' support is missing here.")
    workflow.name_version(document, by=clerk, name="Draft 4 — after the Rabat review meeting")


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
    # Fixed argument lists run with our own interpreter: nothing untrusted reaches them.
    subprocess.run(  # noqa: S603
        [python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(  # noqa: S603
        [python, "manage.py", "seed_demo", "--quiet-logins"], cwd=ROOT, env=env, check=True
    )
    import django

    django.setup()
    review_activity()

    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        shoot(base)
    finally:
        server.terminate()
        server.wait()


def shoot(base: str) -> None:
    from playwright.sync_api import sync_playwright

    from drafting.demo import content
    from drafting.models import Section

    slug = content.DOCUMENT["slug"]
    intervention = Section.objects.get(document__slug=slug, title="Intervention")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "secretariat")
        page.fill("#id_password", content.DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/documents/{slug}/dashboard/")
        page.screenshot(path=str(ROOT / "docs" / "workflow-dashboard.png"), full_page=False)
        page.goto(f"{base}{intervention.get_absolute_url()}")
        page.screenshot(path=str(ROOT / "docs" / "workflow-section.png"), full_page=False)
        browser.close()
    print("docs/workflow-dashboard.png and docs/workflow-section.png written.")


if __name__ == "__main__":
    main()
