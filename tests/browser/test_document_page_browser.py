"""From the document page, every place where text changes is one click away (issue 17)."""

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.models import Practice
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _practices(document) -> list[Practice]:
    return list(
        Practice.objects.filter(section__document=document).order_by(
            "section__position", "position"
        )
    )


def test_expert_edits_a_practice_in_one_click_from_the_document_page(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=2)
    actions.request_review(document.sections.order_by("position").last(), by=secretariat)
    _p1, p2, p3, _p4 = _practices(document)
    page = page_for(expert)
    page.goto(live_server.url + document.get_absolute_url())

    # A section in review offers a proposal, not a direct edit.
    expect(page.get_by_role("link", name="Edit the text of Good Practice 3")).to_have_count(0)
    expect(page.get_by_role("link", name="Propose a change to Good Practice 3")).to_be_visible()
    expect(page.locator(".two-routes")).to_contain_text("Propose a change")

    page.get_by_role("link", name="Edit the text of Good Practice 2").click()
    page.wait_for_url(f"{live_server.url}/practices/{p2.pk}/edit/")
    editor = page.locator(f"#practice-{p2.pk}.editing")
    expect(editor).to_be_visible()
    expect(editor.locator("input[name=heading]")).to_have_value(p2.heading)

    page.go_back()
    page.get_by_role("link", name="Propose a change to Good Practice 3").click()
    page.wait_for_url(f"{live_server.url}/practices/{p3.pk}/amend/")


def test_contents_open_section_pages_and_headings_look_like_links(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=1)
    second = document.sections.order_by("position").last()
    page = page_for(expert)
    page.goto(live_server.url + document.get_absolute_url())

    heading_link = page.locator(f"#section-{second.pk} h2 > a").first
    expect(heading_link).to_have_attribute("href", second.get_absolute_url())
    style = heading_link.evaluate(
        "a => { const s = getComputedStyle(a), p = getComputedStyle(document.querySelector("
        "'.practice-body')); return {line: s.textDecorationLine, color: s.color, body: p.color}; }"
    )
    assert "underline" in style["line"], style
    assert style["color"] != style["body"], style

    page.locator("nav.toc").get_by_role("link", name=second.title, exact=True).click()
    page.wait_for_url(live_server.url + second.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(second.title)


def test_observer_sees_no_edit_link(page_for, live_server, observer, secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    page = page_for(observer)
    page.goto(live_server.url + document.get_absolute_url())
    expect(page.locator(".practice")).to_have_count(2)
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.locator(".edit-link")).to_have_count(0)
    expect(page.get_by_role("link", name="Propose a change")).to_have_count(0)
