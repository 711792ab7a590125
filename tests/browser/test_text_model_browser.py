"""A practice with a wide table, sub-items and footnotes, read on a phone (390 px).

The table scrolls inside its box (the page stays as wide as the screen), the
sub-items' labels hang to the left of their text, a level deeper further in, and
no inline style breaks the Content-Security-Policy (alignment is a class).
"""

from __future__ import annotations

import pytest

from tests.conftest import make_document, make_practice, make_section

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WIDE = (
    "| Level of concern | Typical situation seen by teachers | Usual first response | Who |\n"
    "|---|---|---:|---|\n"
    "| Medium | Signs of growing involvement, contact with recruiters, or distress "
    "| Referral to a multi-agency support panel | Panel |\n"
)


def test_a_wide_table_scrolls_in_its_box_and_sub_items_hang(page_for, live_server, secretariat):
    document = make_document(by=secretariat, sections=0)
    section = make_section(document, by=secretariat, title="Schools")
    make_practice(
        section,
        by=secretariat,
        heading="Treat schools as partners.[^L]",
        body=f"(a) first;\n\n  (i) nested.\n\n{WIDE}\n[^L]: Lead note.",
    )
    page = page_for(secretariat, viewport=PHONE)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.goto(f"{live_server.url}{section.get_absolute_url()}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    table = page.locator(".prose table")
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # it scrolls, inside its box
    first = page.locator("p.sub-item-1 .sub-label").bounding_box()
    nested = page.locator("p.sub-item-2 .sub-label").bounding_box()
    text_start = page.locator("p.sub-item-1").evaluate(
        "p => { const r = document.createRange(); r.setStart(p.lastChild, 0);"
        " return r.getBoundingClientRect().left; }"
    )
    assert nested["x"] > first["x"] and text_start >= first["x"] + first["width"] - 1
    assert page.locator(".practice-heading sup.footnote-ref").inner_text() == "[1]"
    assert not violations, violations
