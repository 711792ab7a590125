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
    clerk.select_option("#id_deadline_zone", "Europe/Brussels")
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


def _ready_to_be_final(clerk):
    """A document in review with every section approved: nothing blocks "Mark final"."""
    from drafting.models import Document
    from tests.conftest import NOT_AGREED

    document = make_document(by=clerk, sections=2, practices=2)
    actions.open_document_review(document, by=clerk)
    for section in document.sections.order_by("position"):
        section = actions.request_review(section, by=clerk)
        actions.approve_section(section, by=clerk, not_agreed_reason=NOT_AGREED)
    return Document.objects.get(pk=document.pk)


def test_a_full_round_from_comment_period_to_silence_concluded(page_for, live_server, secretariat):
    """Open a period → two delegations comment → compilation → dispositions → silence →
    concluded: the whole written round as the secretariat and two experts click it."""
    from datetime import UTC, datetime

    from drafting import outbox
    from drafting.models import Document, SilenceProcedure

    document = _ready_to_be_final(secretariat)
    actions.name_version(document, by=secretariat, name="Draft 3")
    experts = {
        code: make_user(ExpertProfile.Role.EXPERT, delegation=make_delegation(name=name, code=code))
        for code, name in (("NOR", "Norvania"), ("OST", "Ostland"))
    }

    clerk = page_for(secretariat)
    clerk.goto(f"{live_server.url}{document.get_absolute_url()}")
    clerk.get_by_role("link", name="Comment periods").click()
    clerk.get_by_role("link", name="+ Open a comment period").click()
    clerk.fill("#id_deadline_date", "2099-06-01")
    clerk.fill("#id_deadline_time", "17:00")
    clerk.select_option("#id_deadline_zone", "Africa/Casablanca")
    clerk.get_by_label("Norvania").check()
    clerk.get_by_label("Ostland").check()
    clerk.get_by_role("button", name="Open the period").click()
    expect(clerk.get_by_role("heading", name="Comment period on “Draft 3”")).to_be_visible()
    period_url = clerk.url

    for code, words in (("NOR", "Please narrow the scope."), ("OST", "Add civil society.")):
        page = page_for(experts[code])
        page.goto(f"{live_server.url}/")  # My work lists the open period with the time left
        page.locator("#work-periods").get_by_role("link").first.click()
        assert page.url == period_url
        practice = page.locator("article.period-practice").first
        practice.get_by_text("Comment", exact=True).click()
        practice.get_by_label("Your comment on Good Practice 1").fill(words)
        practice.get_by_role("button", name="Send comment").click()
        expect(page.locator(".message")).to_contain_text("Comment sent.")

    clerk.goto(period_url)
    clerk.get_by_role("link", name="Compilation text").click()
    compiled = clerk.locator("article.compiled-practice").first
    expect(compiled).to_contain_text("Norvania")
    expect(compiled).to_contain_text("Ostland")
    expect(compiled).to_contain_text("Add civil society.")
    clerk.go_back()
    clerk.get_by_role("link", name="Disposition table").click()
    for comment, outcome in zip(
        Comment.objects.filter(period__document=document).order_by("pk"),
        ("accepted", "rejected"),
        strict=True,
    ):
        row = clerk.locator(f"#comment-{comment.pk}")
        row.locator("select").first.select_option(outcome)
        row.locator("textarea").fill(f"{outcome.capitalize()} by the co-leads.")
        row.get_by_role("button", name="Save").click()
        expect(clerk.locator(".message")).to_contain_text(
            f"Disposition of comment #{comment.pk} saved."
        )
    assert Disposition.objects.filter(period__document=document).count() == 2

    # Silence on the same version: the text freezes, the experts are told.
    clerk.goto(f"{live_server.url}{document.get_absolute_url()}")
    clerk.get_by_role("link", name="Place a version under silence procedure…").click()
    clerk.fill("#id_deadline_date", "2099-07-01")
    clerk.fill("#id_deadline_time", "17:00")
    clerk.get_by_label("Norvania").check()
    clerk.get_by_label("Ostland").check()
    clerk.get_by_role("button", name="Place under silence").click()
    expect(clerk.get_by_role("heading", name="Silence procedure on “Draft 3”")).to_be_visible()
    procedure = SilenceProcedure.objects.get(document=document)
    expert = page_for(experts["NOR"])
    expert.goto(f"{live_server.url}{document.get_absolute_url()}")
    expect(expert.locator(".silence-banner")).to_contain_text("under silence procedure")

    # Nobody breaks it: after the deadline the periodic sender records the agreement.
    outbox.send_due(now=datetime(2099, 7, 2, tzinfo=UTC))
    clerk.goto(f"{live_server.url}{procedure.get_absolute_url()}")
    expect(clerk.locator(".silence-outcome")).to_contain_text("Agreed under silence procedure")
    assert Document.objects.get(pk=document.pk).status == Document.Status.FINAL
