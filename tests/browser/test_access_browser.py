"""Who reads what, in a real browser: a person without a role, and a visitor who logs in."""

import pytest
from playwright.sync_api import expect

from drafting.models import ExpertProfile
from tests.conftest import make_document, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_without_a_role_one_reads_the_adopted_text_and_is_told_why_drafts_are_closed(
    page_for, live_server, settings
):
    from tests.test_permissions_matrix import build

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    adopted = build("adopted")
    draft = make_document(
        by=adopted.users["secretariat"], sections=1, practices=1, title="A draft in progress"
    )
    page = page_for(adopted.users["norole"])
    expect(page.locator("main")).to_contain_text("only adopted documents are listed")
    expect(page.get_by_role("link", name=draft.title)).to_have_count(0)

    page.get_by_role("link", name=adopted.document.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(adopted.document.title)
    expect(page.get_by_role("link", name="What changed since…")).to_have_count(0)

    response = page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("no drafting role")
    response = page.goto(
        f"{live_server.url}/practices/{adopted.practice.pk}/history/", wait_until="load"
    )
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("history, past versions and redlines")


def test_a_visitor_sent_to_log_in_comes_back_to_the_draft(page_for, live_server, settings):
    from tests.conftest import PASSWORD

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    observer = make_user(ExpertProfile.Role.OBSERVER)
    document = make_document(by=make_user(ExpertProfile.Role.SECRETARIAT), sections=1)
    section = document.sections.get()
    page = page_for()
    page.goto(f"{live_server.url}{section.get_absolute_url()}")
    page.fill("#id_username", observer.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{section.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(section.title)
