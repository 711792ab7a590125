"""Every page carries the Content-Security-Policy, and no page needs what it forbids.

Signed-in pages are also never stored (Cache-Control: no-store).

Walks every URL of the application (tests/urlwalk.py) with real demo objects, as
each role and anonymously, as a full page and as an htmx partial.
"""

from __future__ import annotations

import re

import pytest

from drafting.middleware import CONTENT_SECURITY_POLICY
from tests.urlwalk import DOWNLOAD_PARAMS, demo_world, urls

# What the policy would block in a browser: inline scripts, inline styles,
# event-handler attributes and javascript: URLs.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_TAG = re.compile(r"<style[\s>]", re.I)
HANDLER_ATTR = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _violations(html: str) -> list[str]:
    checks = {
        "inline <script>": INLINE_SCRIPT,
        "style attribute": STYLE_ATTR,
        "<style> element": STYLE_TAG,
        "on* handler attribute": HANDLER_ATTR,
        "javascript: URL": JS_URL,
    }
    return [
        f"{what}: {m.group(0)[:120]!r}" for what, rx in checks.items() if (m := rx.search(html))
    ]


def test_policy_allows_only_our_own_files():
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_every_page_carries_the_policy_and_needs_nothing_it_forbids(client):
    world = demo_world()
    visited, problems = 0, []
    for who in [None, "observer", "expert", "secretariat"]:
        client.logout()
        if who:
            client.force_login(world.users[who])
        for route, url in urls(world):
            if route.name == "logout":
                continue  # would end the session mid-walk (and is POST-only)
            download = bool(set(route.params) & DOWNLOAD_PARAMS)
            for headers in ({}, {"HX-Request": "true"})[: 1 if download else 2]:
                response = client.get(url, headers=headers)
                visited += 1
                where = f"{who or 'anonymous'} GET {url}{' (htmx)' if headers else ''}"
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                if response.get("Content-Security-Policy") != CONTENT_SECURITY_POLICY:
                    problems.append(f"{where}: no Content-Security-Policy")
                if who and "no-store" not in response.get("Cache-Control", ""):
                    problems.append(f"{where}: a signed-in page without Cache-Control: no-store")
                # Downloads (the standalone HTML export carries its own styles) are files
                # saved to disk, not pages this site renders under its policy.
                attachment = response.get("Content-Disposition", "").startswith("attachment")
                html = "text/html" in response.get("Content-Type", "")
                if html and not attachment and response.status_code < 300:
                    problems += [f"{where}: {v}" for v in _violations(response.content.decode())]
    assert visited > 200
    assert not problems, "\n".join(problems)


def test_the_walk_covers_every_route(db):
    from tests.urlwalk import routes

    world = demo_world()
    walked = {route.name for route, _ in urls(world)}
    assert walked == {route.name for route in routes()}
    assert {"drafting:home", "drafting:practice-edit", "login", "healthz"} <= walked


@pytest.mark.django_db
def test_admin_history_pages_need_nothing_the_policy_forbids(client, secretariat):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from tests.conftest import make_document

    document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    practice = section.practices.get()
    admin = get_user_model().objects.create_superuser("site-admin", "a@example.org", "x-Pass-42")
    client.force_login(admin)
    problems = []
    for obj in (document, section, practice):
        name = obj._meta.model_name
        record = obj.history.first()
        for url in (
            reverse(f"admin:drafting_{name}_history", args=[obj.pk]),
            reverse(f"admin:drafting_{name}_simple_history", args=[obj.pk, record.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            problems += [f"{url}: {v}" for v in _violations(response.content.decode())]
    assert not problems, "\n".join(problems)
