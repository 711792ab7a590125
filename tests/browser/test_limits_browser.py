"""Per-user rates as a person meets them: the live preview pauses, a comment keeps its text."""

from __future__ import annotations

from unittest import mock

import pytest
from playwright.sync_api import expect

from drafting.models import Comment
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class _FixedTime:
    """django-ratelimit's clock, held still so no window can end during the test."""

    @staticmethod
    def time() -> float:
        return 1_800_000_000


@pytest.fixture
def small_rates(settings):
    settings.DRAFTING_RATES = {**settings.DRAFTING_RATES, "previews": "2/m", "comments": "1/h"}
    with mock.patch("django_ratelimit.core.time", _FixedTime):
        yield


def test_preview_pauses_past_the_rate_and_the_text_stays(
    page_for, live_server, expert, secretariat, small_rates
):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    page = page_for(expert)
    page.goto(live_server.url + practice.section.get_absolute_url())
    page.locator(f"#practice-{practice.pk}").get_by_role("link", name="Edit").click()
    editor = page.locator(f"#practice-{practice.pk}.editing")
    body = editor.locator("textarea[name=body]")
    preview = editor.locator(".preview")
    expect(preview).to_contain_text("Body of 1.1.")  # the editor's first preview (1 of 2)

    body.fill("Families are often **first** to notice.")
    expect(preview.locator("strong")).to_have_text("first")  # 2 of 2
    body.fill("Families are often **the first** to notice.")
    expect(preview).to_contain_text("The preview is paused")
    expect(preview).to_contain_text("faster than the site allows (2 a minute)")
    expect(body).to_have_value("Families are often **the first** to notice.")


def test_a_comment_over_the_rate_comes_back_with_its_text(
    page_for, live_server, expert, secretariat, small_rates
):
    document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    page = page_for(expert)
    page.goto(live_server.url + section.get_absolute_url())
    thread = page.locator("#comments-section")
    if not thread.get_attribute("open"):
        thread.locator("summary").click()
    thread.locator("textarea[name=body]").last.fill("A first remark.")
    thread.get_by_role("button", name="Add comment").click()
    expect(page.locator("#comments-section .comment-body")).to_have_text("A first remark.")

    thread = page.locator("#comments-section")
    thread.locator("textarea#new-comment-section").fill("A second remark, typed with care.")
    thread.get_by_role("button", name="Add comment").click()
    expect(page.locator("#comments-section .form-error")).to_contain_text(
        "posted comments faster than the site allows"
    )
    expect(page.locator("#new-comment-section")).to_have_value("A second remark, typed with care.")
    assert Comment.objects.count() == 1
