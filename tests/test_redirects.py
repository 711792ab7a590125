"""Every view that takes a ``next`` keeps the user on this site, in redirects and in links.

Hostile values (another host, a scheme-relative or backslash URL, ``javascript:``,
encoded slashes) are swept through every view that reads ``next``: the
transition pages (their Cancel link and hidden field, and the redirect after the
step), restoring and undeleting a practice, log-in and log-out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from drafting import actions, workflow
from drafting.models import Section
from drafting.views.common import is_safe_next
from tests.conftest import NOT_AGREED, PASSWORD, login, make_document

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

HOSTILE = [
    "//evil.example",
    "//evil.example/login/",
    "https://evil.example",
    "http://evil.example/",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "%2F%2Fevil.example",
    "/\t/evil.example",
    " //evil.example",
    "///evil.example",
    "data:text/html,evil",
]
# Raw query strings: the value arrives decoded once, e.g. as //evil.example.
HOSTILE_QUERIES = [
    "next=%2F%2Fevil.example",
    "next=%2F%5Cevil.example",
    "next=javascript%3Aalert(1)",
]

LINK = re.compile(r"""(?:href|action|value)\s*=\s*["']([^"']*)["']""", re.I)


def _leaves_site(value: str) -> bool:
    """Would a browser, following ``value`` from a page of this site, leave the site or run code?"""
    stripped = value.strip().replace("\\", "/")
    return stripped.startswith("//") or ":" in stripped.split("/", 1)[0]


def _off_site_links(html: str) -> list[str]:
    return [v for v in LINK.findall(html) if "evil" in v.lower() and _leaves_site(v)]


def _assert_local(response, expected: str | None = None) -> None:
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert not _leaves_site(location), location
    if expected is not None:
        assert location == expected


def test_the_helper_refuses_every_hostile_value(rf):
    request = rf.get("/")
    for value in HOSTILE:
        assert not is_safe_next(request, value), value
    assert is_safe_next(request, "/sections/4/?tab=history#p7")
    # Encoded slashes inside a path are a path of this site (the browser does not decode them).
    assert is_safe_next(request, "/%2F/evil.example")


def test_only_the_shared_helper_reads_next_from_a_request():
    readers = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "drafting").rglob("*.py")
        if re.search(r"""\.(?:GET|POST)(?:\.get\(\s*|\[\s*)["']next["']""", path.read_text())
    ]
    assert readers == ["drafting/views/common.py"]


# --- transition pages ------------------------------------------------------------------------


def _world(secretariat):
    document = make_document(by=secretariat, sections=2, practices=1)
    drafting, in_review = document.sections.order_by("position")
    actions.request_review(in_review, by=secretariat)
    return document, drafting, Section.objects.get(pk=in_review.pk)


def test_transition_pages_never_offer_a_hostile_cancel_link(client, secretariat):
    document, drafting, in_review = _world(secretariat)
    login(client, secretariat)
    urls = [
        reverse(f"drafting:section-{name}", args=[s.pk])
        for s in (drafting, in_review)
        for name in workflow.SECTION_TRANSITIONS
    ]
    urls += [
        reverse(f"drafting:document-{name}", args=[document.slug])
        for name in workflow.DOCUMENT_TRANSITIONS
    ]
    checked = 0
    for url in urls:
        for value in HOSTILE:
            response = client.get(url, {"next": value})
            assert response.status_code == 200, (url, value)
            html = response.content.decode()
            assert not _off_site_links(html), (url, value, _off_site_links(html))
            assert "javascript:" not in html.lower() and "data:text" not in html
            checked += 1
        for query in HOSTILE_QUERIES:
            html = client.get(f"{url}?{query}").content.decode()
            assert not _off_site_links(html) and "javascript:" not in html.lower(), (url, query)
    assert checked == len(urls) * len(HOSTILE)


def test_cancel_link_and_redirect_follow_a_safe_next(client, secretariat):
    document, drafting, in_review = _world(secretariat)
    login(client, secretariat)
    url = reverse("drafting:section-approve", args=[in_review.pk])
    back = document.get_absolute_url() + "?tab=status"
    html = client.get(url, {"next": back}).content.decode()
    assert f'href="{back.replace("&", "&amp;")}">Cancel</a>' in html
    assert f'name="next" value="{back}"' in html
    data = {"next": back, "seen_revision": in_review.revision, "not_agreed_reason": NOT_AGREED}
    _assert_local(client.post(url, data), back)


def test_cancel_link_falls_back_to_the_object_page(client, secretariat):
    document, drafting, in_review = _world(secretariat)
    login(client, secretariat)
    url = reverse("drafting:section-approve", args=[in_review.pk])
    html = client.get(url, {"next": "//evil.example"}).content.decode()
    assert f'href="{in_review.get_absolute_url()}">Cancel</a>' in html


@pytest.mark.parametrize("value", HOSTILE)
def test_transitions_redirect_only_to_pages_of_this_site(client, secretariat, value):
    document, drafting, in_review = _world(secretariat)
    login(client, secretariat)
    # One that is taken (a redirect) ...
    response = client.post(
        reverse("drafting:section-request-review", args=[drafting.pk]),
        {"next": value, "seen_revision": drafting.revision},
    )
    _assert_local(response, drafting.get_absolute_url())
    drafting.refresh_from_db()
    assert drafting.status == Section.Status.IN_REVIEW
    # ... one that is taken from a page reached by a hostile GET link ...
    url = reverse("drafting:section-approve", args=[in_review.pk])
    _assert_local(
        client.post(
            f"{url}?next={value}",
            {"note": "Fine.", "seen_revision": in_review.revision, "not_agreed_reason": NOT_AGREED},
        ),
        in_review.get_absolute_url(),
    )
    # ... and one that is refused re-renders the form with a safe Cancel link.
    refused = client.post(
        reverse("drafting:document-finalise", args=[document.slug]), {"next": value}
    )
    assert refused.status_code in (200, 422)
    assert not _off_site_links(refused.content.decode())
    assert "javascript:" not in refused.content.decode().lower()


# --- restoring from history ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["practice-restore", "practice-undelete"])
def test_history_actions_redirect_only_to_pages_of_this_site(client, secretariat, name):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    login(client, secretariat)
    history_page = reverse("drafting:practice-history", args=[practice.pk])
    for value in HOSTILE:
        response = client.post(reverse(f"drafting:{name}", args=[practice.pk]), {"next": value})
        _assert_local(response, history_page)


# --- log-in and log-out ----------------------------------------------------------------------


def test_log_in_redirects_only_to_pages_of_this_site(expert):
    for value in HOSTILE:
        client = Client()
        page = client.get(reverse("login"), {"next": value}).content.decode()
        assert not _off_site_links(page), value
        response = client.post(
            reverse("login"), {"username": expert.username, "password": PASSWORD, "next": value}
        )
        _assert_local(response, reverse("drafting:home"))
    response = Client().post(
        reverse("login") + "?next=/documents/x/",
        {"username": expert.username, "password": PASSWORD, "next": "/documents/x/"},
    )
    _assert_local(response, "/documents/x/")


def test_log_out_redirects_only_to_pages_of_this_site(client, expert):
    for value in HOSTILE:
        login(client, expert)
        response = client.post(reverse("logout"), {"next": value})
        _assert_local(response, reverse("login"))
