"""Every page at a phone's width (390 px): tables scroll inside their box, nothing is cut off.

The walk opens each page of the demo forum (tests/urlwalk.py fills every route with
real objects, so a page added tomorrow is walked too) as the secretariat, an expert and
an observer, takes a screenshot of each (kept in pytest's tmp_path; the whole page when
it is too wide), and asserts the page itself is no wider than the screen.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import PASSWORD
from tests.urlwalk import DOWNLOAD_PARAMS, demo_world, urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# What sticks out beyond the right edge, for the failure message.
WIDER_THAN_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}.${e.className}`
    + ` (${Math.round(e.getBoundingClientRect().right)} px)`)"""


@pytest.mark.parametrize("role", ["secretariat", "expert", "observer"])
def test_no_page_is_wider_than_a_phone(page_for, live_server, settings, tmp_path, role):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = demo_world()
    user = world.users[role]
    user.set_password(PASSWORD)
    user.save()
    context = page_for(user, viewport=PHONE).context
    visited, too_wide = 0, []
    for route, url in urls(world):
        if DOWNLOAD_PARAMS & set(route.params) or route.name.endswith("-file"):
            continue  # files to download, not pages
        page = context.new_page()  # a fresh tab: no earlier page's script can interrupt it
        try:
            width = _width_of(page, f"{live_server.url}{url}")
            if width is None:
                continue  # refused, POST-only, missing or not HTML: test_read_access says which
            visited += 1
            shot = tmp_path / f"{route.name.replace(':', '-')}.png"
            page.screenshot(path=str(shot), full_page=width > PHONE["width"])
            if width > PHONE["width"]:
                sticking_out = page.evaluate(WIDER_THAN_SCREEN)
                too_wide.append(f"{url}: {width} px, {sticking_out}; see {shot}")
        finally:
            page.close()
    assert visited > 25, f"only {visited} pages could be opened as {role}"
    assert not too_wide, "Pages wider than a 390 px phone:\n" + "\n".join(too_wide)


def _width_of(page, url: str) -> int | None:
    """The page's laid-out width in CSS pixels; None when ``url`` is not a page one can read."""
    try:
        response = page.goto(url)
    except PlaywrightError:
        return None  # an empty answer (405 to a GET, a JSON ping): Chromium shows no page
    if response is None or response.status != 200:
        return None
    if "text/html" not in (response.headers.get("content-type") or ""):
        return None
    return page.evaluate("document.documentElement.scrollWidth")
