"""An expert edits, sees numbering update, and resolves a conflict — in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from drafting.models import Practice
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_expert_edits_in_place_with_live_preview(page_for, live_server, expert, secretariat):
    document = make_document(by=secretariat, sections=2, practices=2)
    section = document.sections.order_by("position").last()
    practice = section.practices.order_by("position").first()
    page = page_for(expert)
    page.goto(live_server.url + section.get_absolute_url())
    article = page.locator(f"#practice-{practice.pk}")
    expect(article.locator(".practice-number")).to_have_text("Good Practice 3")

    article.get_by_role("link", name="Edit").click()
    editor = page.locator(f"#practice-{practice.pk}.editing")
    expect(editor).to_be_visible()
    editor.locator("input[name=heading]").fill("Engage families early")
    body = editor.locator("textarea[name=body]")
    body.fill("Families are often **first** to notice.")
    expect(editor.locator(".preview strong")).to_have_text("first")
    editor.locator("input[name=reason]").fill("Agreed at the workshop.")
    editor.get_by_role("button", name="Save").click()

    saved = page.locator(f"#practice-{practice.pk}")
    expect(saved.locator(".practice-heading")).to_have_text("Engage families early")
    expect(saved.locator(".practice-body strong")).to_have_text("first")
    # The save confirms itself in place, and the page's live region says it to screen readers.
    expect(saved.locator(".saved-note")).to_have_text("✓ Good Practice 3 saved (revision 2).")
    expect(page.locator("#live-status")).to_have_text("Good Practice 3 saved (revision 2).")
    expect(page.locator("#live-status")).to_have_attribute("aria-live", "polite")
    practice.refresh_from_db()
    assert practice.revision == 2
    assert practice.history.latest().history_change_reason == "Agreed at the workshop."


def test_toolbar_adds_markdown(page_for, live_server, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    page = page_for(expert)
    page.goto(live_server.url + practice.section.get_absolute_url())
    page.locator(f"#practice-{practice.pk}").get_by_role("link", name="Edit").click()
    body = page.locator(f"#practice-{practice.pk} textarea[name=body]")
    body.fill("")
    page.locator(f"#practice-{practice.pk}").get_by_role("button", name="Bold", exact=True).click()
    expect(body).to_have_value("**bold text**")
    expect(page.locator(f"#practice-{practice.pk} .preview strong")).to_contain_text("bold text")


def test_a_footnote_goes_where_the_cursor_is_and_is_written_there(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    page = page_for(expert)
    page.goto(live_server.url + practice.section.get_absolute_url())
    article = page.locator(f"#practice-{practice.pk}")
    article.get_by_role("link", name="Edit").click()
    body = article.locator("textarea[name=body]")
    body.fill("Families notice first. Schools notice next.")
    # The cursor after "first.", by keyboard only.
    body.focus()
    page.keyboard.press("Control+Home")
    for _ in range(len("Families notice first.")):
        page.keyboard.press("ArrowRight")
    article.get_by_role("button", name="Footnote").click()
    note = article.get_by_label("Footnote text")
    expect(note).to_be_focused()
    note.fill("As the 2016 survey found.")
    note.press("Enter")
    expect(body).to_have_value(
        "Families notice first.[^1] Schools notice next.\n\n[^1]: As the 2016 survey found."
    )
    expect(body).to_be_focused()
    expect(article.locator(".preview .footnotes")).to_contain_text("As the 2016 survey found.")
    # Escape leaves the text as it was; a second note is numbered 2.
    article.get_by_role("button", name="Footnote").click()
    note.press("Escape")
    expect(body).to_have_value(re.compile(r"found\.$"))
    page.keyboard.press("Control+End")
    article.get_by_role("button", name="Footnote").click()
    note.fill("Second note.")
    article.get_by_role("button", name="Insert footnote").click()
    # The cursor was among the notes: the number goes at the end of the text instead.
    expect(body).to_have_value(
        "Families notice first.[^1] Schools notice next.[^2]\n\n"
        "[^1]: As the 2016 survey found.\n\n[^2]: Second note."
    )


def test_moving_a_practice_renumbers_the_page(page_for, live_server, expert, secretariat):
    make_document(by=secretariat, sections=1, practices=3)
    last = Practice.objects.get(heading="Practice 1.3")
    page = page_for(expert)
    page.goto(live_server.url + last.section.get_absolute_url())
    page.get_by_role("button", name="Move Good Practice 3 up").click()
    expect(page.locator(f"#practice-{last.pk} .practice-number")).to_have_text("Good Practice 2")
    expect(page.locator(".message")).to_contain_text("now Good Practice 2")


def test_conflict_between_two_browsers_is_shown_and_merged(
    page_for, live_server, expert, other_expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    url = live_server.url + practice.section.get_absolute_url()
    one, two = page_for(expert), page_for(other_expert)
    for page in (one, two):
        page.goto(url)
        page.locator(f"#practice-{practice.pk}").get_by_role("link", name="Edit").click()
        expect(page.locator(f"#practice-{practice.pk}.editing")).to_be_visible()

    # Each sees the other is editing (the presence poll runs on load).
    two.reload()
    two.locator(f"#practice-{practice.pk}").get_by_role("link", name="Edit").click()
    expect(two.locator(".presence-note")).to_contain_text(f"{expert.get_full_name()}")

    one.locator(f"#practice-{practice.pk}.editing textarea[name=body]").fill(
        "Wording from the first expert."
    )
    one.locator(f"#practice-{practice.pk}.editing").get_by_role("button", name="Save").click()
    expect(one.locator(f"#practice-{practice.pk} .practice-body")).to_contain_text("first expert")

    two.locator(f"#practice-{practice.pk}.editing textarea[name=body]").fill(
        "Wording from the second expert."
    )
    two.locator(f"#practice-{practice.pk}.editing").get_by_role("button", name="Save").click()
    conflict = two.locator(".conflict")
    expect(conflict).to_contain_text("Your edit overlaps with changes")
    expect(conflict.locator(".merge-region ins.theirs").first).to_contain_text("first")
    expect(conflict.locator(".merge-region ins.mine").first).to_contain_text("second")
    expect(two.locator(f"#practice-{practice.pk}.editing textarea[name=body]")).to_have_value(
        "Wording from the second expert."
    )

    editor = two.locator(f"#practice-{practice.pk}.editing")
    editor.get_by_label("Keep my text").check()
    editor.get_by_role("button", name="Combine with my choices").click()
    expect(editor.get_by_role("button", name="Save merged text")).to_be_visible()
    editor.locator("textarea[name=body]").fill("Wording merged from both experts.")
    editor.get_by_role("button", name="Save merged text").click()
    expect(two.locator(f"#practice-{practice.pk} .practice-body")).to_contain_text(
        "merged from both"
    )
    practice.refresh_from_db()
    assert (practice.body, practice.revision) == ("Wording merged from both experts.", 3)
