"""With the Content-Security-Policy on, Chromium reports no violation on any page.

The browser is the judge of what the policy blocks: every HTML page of the
application (tests/urlwalk.py, demo data) is loaded as the secretariat, which
sees every button; htmx and app.css must load from our own files.
"""

from __future__ import annotations

import pytest
from django.test import Client

from drafting.demo import content
from tests.urlwalk import demo_world, urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _html_pages(world) -> list[str]:
    """URLs that answer the secretariat with a page (not a download, not a 405)."""
    client = Client()
    client.force_login(world.users["secretariat"])
    pages = []
    for route, url in urls(world):
        if route.name == "logout":
            continue
        response = client.get(url)
        download = response.get("Content-Disposition", "").startswith("attachment")
        if response.status_code == 200 and "text/html" in response["Content-Type"] and not download:
            pages.append(url)
    return pages


def test_no_page_violates_the_policy(browser, live_server):
    world = demo_world()
    pages = _html_pages(world)
    assert len(pages) > 15
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "secretariat")
        page.fill("#id_password", content.DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        # htmx loaded from our own file and running (it would not under a broken policy).
        assert page.evaluate("typeof window.htmx") == "object"
        for url in pages:
            page.goto(live_server.url + url, wait_until="load")
        # Our stylesheet applied (the header is dark), so style-src lets it through.
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        )
        assert background not in {"", "rgba(0, 0, 0, 0)"}
    finally:
        context.close()
    assert not violations, "\n".join(violations)
