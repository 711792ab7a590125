"""Take the README's screenshots, all of them or the ones named.

    DEBUG=1 .venv/bin/python docs/screenshots.py            # every screenshot
    DEBUG=1 .venv/bin/python docs/screenshots.py people     # only docs/people-list.png

Builds a scratch SQLite database in a temporary directory, loads the demo forum,
lets the demo users do some review work through the ordinary actions (sections
sent for review and approved, amendments proposed, comments, a named version),
serves it with ``runserver`` and photographs the pages with headless Chromium
(Debian's /usr/bin/chromium, as the browser tests use). Nothing outside the
scratch directory and docs/*.png is written.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "docs"
MESSY_DRAFT = ROOT / "tests" / "fixtures" / "import" / "vessen-community-policing.messy.docx"


def review_activity() -> dict[str, str]:
    """What a secretariat and a few experts would have done during the review.

    Returns the paths the shots need (worked out here, before Playwright's event
    loop starts, because Django refuses database access inside it).
    """
    from django.contrib.auth import get_user_model

    from drafting.actions import amendments, comments, lifecycle, sections, versions
    from drafting.demo import content
    from drafting.models import CommentPeriod, Document
    from tests.conftest import NOT_AGREED

    users = {u.username: u for u in get_user_model().objects.all()}
    clerk, ma, us, nl = (users[n] for n in ("secretariat", "expert.ma", "expert.us", "expert.nl"))
    document = Document.objects.get(slug=content.DOCUMENT["slug"])
    by_title = {s.title: s for s in document.sections.order_by("position")}
    lifecycle.open_document_review(document, by=clerk, reason="Draft 3 agreed in Rabat.")
    for title in ("Prevention", "Detection", "Intervention"):
        sections.request_review(by_title[title], by=ma, reason="Ready for the members' review.")
    for title in ("Prevention", "Detection"):
        sections.approve_section(
            by_title[title],
            by=clerk,
            note="Agreed at the Rabat meeting.",
            not_agreed_reason=NOT_AGREED,
        )
    intervention = by_title["Intervention"]
    first, second, *_ = intervention.practices.order_by("position")
    amendments.propose_change(
        first,
        by=us,
        heading=first.heading,
        body=first.body + "\n\nTeachers and youth workers should be part of this.",
        rationale="Those who meet young people every day notice change first.",
    )
    amendments.propose_deletion(second, by=nl, rationale="Covered by the practice before it.")
    thread = comments.add_comment(
        intervention,
        by=nl,
        body="Could the secretariat check the wording against the *Rabat* outcome?",
        practice=first,
    )
    comments.reply_to_comment(thread, by=clerk, body="Yes — we will circulate a note.")
    versions.name_version(document, by=clerk, name="Draft 4 — after the Rabat review meeting")
    response = by_title["Response"]
    period = CommentPeriod.objects.filter(document=document).order_by("pk").first()
    prevention = by_title["Prevention"]
    return {
        "slug": document.slug,
        "document": document.get_absolute_url(),
        "intervention": intervention.get_absolute_url(),
        "response": response.get_absolute_url(),
        "response_first": f"practice-{response.practices.order_by('position').first().pk}",
        "prevention": prevention.get_absolute_url(),
        "prevention_first": f"practice-{prevention.practices.order_by('position').first().pk}",
        "period": str(period.pk),
        "revised": revised_copy(document),
    }


def revised_copy(document) -> str:
    """The document's own Word export with one word changed, as a delegation sends it back
    (the revised-draft import's preview). Returns the file's path in the scratch directory."""
    import io

    import docx

    from drafting.export import build, render

    exported = docx.Document(io.BytesIO(render(build(document), "docx").content))
    for paragraph in exported.paragraphs:
        if "confidential counselling" in paragraph.text:
            for run in paragraph.runs:
                run.text = run.text.replace(
                    "confidential counselling", "free, confidential counselling"
                )
            break
    path = Path(os.environ["SHOTS_SCRATCH"]) / "rabat-washington-revised.docx"
    exported.save(str(path))
    return str(path)


def login(page, base: str, username: str) -> None:
    from drafting.demo import content

    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", content.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page, name: str) -> None:
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)
    print(f"docs/{name}.png")


def document_page(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "expert.ma")
    page.goto(f"{base}{paths['document']}")
    shot(page, "document-page")


def section_editing(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "expert.ma")
    page.goto(f"{base}{paths['response']}")
    practice = page.locator(f"#{paths['response_first']}")
    # "Edit" is a link (it works without JavaScript); with it, the editor opens in place.
    practice.get_by_role("link", name="Edit", exact=True).first.click()
    practice.locator("textarea").first.wait_for()
    practice.scroll_into_view_if_needed()
    shot(page, "section-editing")


def workflow(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "secretariat")
    page.goto(f"{base}/documents/{paths['slug']}/dashboard/")
    shot(page, "workflow-dashboard")
    page.goto(f"{base}{paths['intervention']}")
    shot(page, "workflow-section")


def import_preview(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "secretariat")
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.goto(f"{base}/imports/new/")
    page.set_input_files("#id_file", str(MESSY_DRAFT))
    page.get_by_role("button", name="Read the file").click()
    page.wait_for_selector(".import-preview")
    shot(page, "import-preview")
    # Good Practice 11: typed "(a)"/"(i)" sub-items, as in the file and as stored.
    page.locator(".import-practice").nth(10).evaluate("e => e.scrollIntoView()")
    shot(page, "import-preview-practice")
    page.set_viewport_size({"width": 1280, "height": 900})


def revision(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "secretariat")
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.goto(f"{base}/documents/{paths['slug']}/import/")
    page.set_input_files("#id_file", paths["revised"])
    page.get_by_role("button", name="Compare with the current text").click()
    page.wait_for_selector(".revision-counts")
    shot(page, "import-revision")
    page.set_viewport_size({"width": 1280, "height": 900})


def my_work(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "secretariat")
    shot(page, "my-work")


def rounds(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "secretariat")
    page.goto(f"{base}/periods/{paths['period']}/compilation/")
    shot(page, "rounds-compilation")
    page.goto(f"{base}/periods/{paths['period']}/dispositions/")
    shot(page, "rounds-dispositions")


def positions(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "secretariat")
    page.goto(f"{base}/documents/{paths['slug']}/positions/")
    shot(page, "positions-matrix")
    page.goto(f"{base}{paths['prevention']}#{paths['prevention_first']}")
    page.locator(f"#{paths['prevention_first']}").scroll_into_view_if_needed()
    shot(page, "positions-practice")


def brackets(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "secretariat")
    page.goto(f"{base}/documents/{paths['slug']}/brackets/")
    shot(page, "brackets-list")


def people(page, base: str, paths: dict[str, str]) -> None:
    login(page, base, "secretariat")
    page.goto(f"{base}/people/")
    shot(page, "people-list")


SHOTS: dict[str, Callable] = {
    "document": document_page,
    "editing": section_editing,
    "workflow": workflow,
    "import": import_preview,
    "revision": revision,
    "mywork": my_work,
    "rounds": rounds,
    "positions": positions,
    "brackets": brackets,
    "people": people,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in SHOTS]
    if unknown:
        sys.exit(f"Unknown screenshot {', '.join(unknown)}; choose from {', '.join(SHOTS)}.")
    scratch = Path(tempfile.mkdtemp(prefix="drafting-shots-"))
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "drafting.settings",
        "SHOTS_SCRATCH": str(scratch),
    }
    os.environ.update(env)
    python = sys.executable
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--quiet-logins"]):
        # Fixed argument lists run with our own interpreter: nothing untrusted reaches them.
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603
    import django

    django.setup()
    paths = review_activity()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # A one-off script, not a test: waiting for the server to listen is fine here.
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        shoot(f"http://127.0.0.1:{port}", names or list(SHOTS), paths)
    finally:
        server.terminate()
        server.wait()


def shoot(base: str, names: list[str], paths: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    # The browser tests' Chromium and flags: one place says how we start it.
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name in names:
            SHOTS[name](page, base, paths)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
