"""Two experts edit one practice at once, in two browsers: nobody's words are lost."""

import pytest
from playwright.sync_api import expect

from drafting import actions
from tests.conftest import PASSWORD, make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "Families are often first to notice. Schools should be involved."


def _practice(by):
    document = make_document(by=by, sections=1, practices=0)
    return actions.create_practice(
        document.sections.get(), by=by, heading="Engage families early", body=BODY
    )


def _open_editor(page, url, practice):
    page.goto(url)
    page.locator(f"#practice-{practice.pk}").get_by_role("link", name="Edit").click()
    editor = page.locator(f"#practice-{practice.pk}.editing")
    expect(editor).to_be_visible()
    return editor


def _who(user) -> str:
    return f"{user.get_full_name()} ({user.profile.delegation.name})"


def test_non_overlapping_edits_are_combined_and_shown_before_saving(
    page_for, live_server, expert, other_expert
):
    practice = _practice(expert)
    url = live_server.url + practice.section.get_absolute_url()
    one, two = page_for(expert), page_for(other_expert)
    first, second = _open_editor(one, url, practice), _open_editor(two, url, practice)

    first.locator("textarea[name=body]").fill(BODY + " Teachers need training too.")
    first.get_by_role("button", name="Save").click()
    expect(one.locator(f"#practice-{practice.pk} .practice-body")).to_contain_text("Teachers")

    second.locator("textarea[name=body]").fill(BODY.replace("Schools", "Schools and youth clubs"))
    second.get_by_role("button", name="Save").click()

    panel = two.locator(".conflict.merge")
    expect(panel).to_contain_text(f"Changes {_who(expert)} saved while you were editing")
    expect(panel.locator(".merge-text ins.theirs")).to_have_text(" Teachers need training too.")
    expect(panel.locator(".merge-text ins.mine")).to_have_text(" and youth clubs")
    expect(panel.locator(".merge-legend ins.theirs")).to_contain_text(_who(expert))
    merged = (
        "Families are often first to notice. Schools and youth clubs should be involved. "
        "Teachers need training too."
    )
    expect(second.locator("textarea[name=body]")).to_have_value(merged)
    practice.refresh_from_db()
    assert practice.revision == 2  # shown, not saved

    second.get_by_role("button", name="Save merged text").click()
    body = two.locator(f"#practice-{practice.pk} .practice-body")
    expect(body).to_contain_text("youth clubs")
    expect(body).to_contain_text("Teachers need training too.")
    practice.refresh_from_db()
    assert (practice.body, practice.revision) == (merged, 3)


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "plain-forms"])
def test_overlapping_edits_need_a_choice_and_the_colleagues_words_survive(
    browser, page_for, live_server, expert, other_expert, javascript, request
):
    practice = _practice(expert)
    url = live_server.url + practice.section.get_absolute_url()
    one = page_for(expert)
    first = _open_editor(one, url, practice)
    if javascript:
        two = page_for(other_expert)
    else:
        # The same steps as plain form posts and full pages.
        context = browser.new_context(java_script_enabled=False)
        request.addfinalizer(context.close)
        two = context.new_page()
        two.set_default_timeout(10_000)
        two.goto(f"{live_server.url}/accounts/login/")
        two.fill("#id_username", other_expert.username)
        two.fill("#id_password", PASSWORD)
        two.click("button[type=submit]")
        two.wait_for_url(f"{live_server.url}/")
    second = _open_editor(two, url, practice)

    first.locator("textarea[name=body]").fill(BODY.replace("first", "quickest"))
    first.get_by_role("button", name="Save").click()
    expect(one.locator(f"#practice-{practice.pk} .practice-body")).to_contain_text("quickest")

    second.locator("textarea[name=body]").fill(BODY.replace("first", "best placed"))
    second.get_by_role("button", name="Save").click()

    region = two.locator("#region-body-0")
    expect(region).to_contain_text(f"Their version — changed by {_who(expert)}")
    expect(region.locator(".merge-theirs ins.theirs")).to_contain_text("quickest")
    expect(region.locator(".merge-mine ins.mine")).to_contain_text("best placed")
    # The expert's own text is still in its text field.
    expect(second.locator("textarea[name=body]")).to_have_value(
        BODY.replace("first", "best placed")
    )

    # Continuing without a choice is refused next to the region.
    second.get_by_role("button", name="Combine with my choices").click()
    expect(two.locator("#region-body-0 .field-error")).to_have_text(
        "Choose which text to keep here."
    )
    practice.refresh_from_db()
    assert practice.revision == 2

    two.locator("#region-body-0").get_by_label("Keep both (theirs first)").check()
    second.get_by_role("button", name="Combine with my choices").click()
    both = BODY.replace("first", "quickest best placed")
    expect(second.locator("textarea[name=body]")).to_have_value(both)
    second.get_by_role("button", name="Save merged text").click()

    if javascript:
        expect(two.locator(f"#practice-{practice.pk} .practice-body")).to_contain_text(
            "quickest best placed"
        )
    else:
        expect(two.locator(".message")).to_contain_text("saved (revision 3)")
    practice.refresh_from_db()
    assert (practice.body, practice.revision) == (both, 3)
