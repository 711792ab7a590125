"""A written round in a real browser (issue 15): the secretariat opens a comment period on a
version, an invited expert comments on the circulated text, the secretariat reads the
compilation and records a disposition from the keyboard."""

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.models import Comment, Disposition, ExpertProfile
from tests.conftest import make_delegation, make_document, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_round_from_opening_to_disposition(page_for, live_server, secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    actions.name_version(document, by=secretariat, name="Draft 2 — for comments")
    norvania = make_delegation(name="Norvania", code="NOR")
    expert = make_user(ExpertProfile.Role.EXPERT, delegation=norvania)

    clerk = page_for(secretariat)
    clerk.goto(f"{live_server.url}{document.get_absolute_url()}")
    clerk.get_by_role("link", name="Comment periods").click()
    clerk.get_by_role("link", name="+ Open a comment period").click()
    clerk.fill("#id_deadline_date", "2099-06-01")
    clerk.fill("#id_deadline_time", "17:00")
    clerk.select_option("#id_time_zone", "Europe/Brussels")
    clerk.get_by_label("Norvania").check()
    clerk.get_by_role("button", name="Open the period").click()
    expect(
        clerk.get_by_role("heading", name="Comment period on “Draft 2 — for comments”")
    ).to_be_visible()
    expect(clerk.locator("main header")).to_contain_text("1 June 2099 17:00 (Europe/Brussels)")

    period_url = clerk.url
    page = page_for(expert)
    page.goto(period_url)
    practice = page.locator("article.period-practice").first
    practice.get_by_text("Comment", exact=True).click()
    practice.get_by_label("Your comment on Good Practice 1").fill("Please narrow the scope.")
    practice.get_by_role("button", name="Send comment").click()
    expect(page.locator(".message")).to_contain_text("Comment sent.")
    expect(page.locator("article.period-practice").first).to_contain_text("Please narrow")

    clerk.get_by_role("link", name="Compilation text").click()
    expect(clerk.locator("article.compiled-practice").first).to_contain_text("Norvania")
    clerk.go_back()
    clerk.get_by_role("link", name="Disposition table").click()
    comment = Comment.objects.get(period__document=document)
    row = clerk.locator(f"#comment-{comment.pk}")
    row.locator("select").first.select_option("rejected")
    row.locator("textarea").fill("Outside the mandate.")
    row.locator("textarea").press("Tab")
    clerk.keyboard.press("Enter")  # on Save: the row saves alone
    expect(clerk.locator(".message")).to_contain_text(
        f"Disposition of comment #{comment.pk} saved."
    )
    assert Disposition.objects.get(comment=comment).note == "Outside the mandate."
