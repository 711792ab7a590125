"""An expert sees the unread count in the header, opens the notification about their
delegation's amendment, follows it to the decision, and chooses no e-mail for such news."""

import pytest
from playwright.sync_api import expect

from drafting import actions
from drafting.models.notifications import Delivery, Kind
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_expert_reads_a_decision_and_chooses_no_email(page_for, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.first().practices.first()
    amendment = actions.propose_change(
        practice, by=expert, heading="Sharper", body="Sharper.", rationale="Clearer."
    )
    actions.reject_amendment(amendment, by=secretariat, note="Outside the mandate.")

    page = page_for(expert, viewport={"width": 390, "height": 844})
    link = page.get_by_role("link", name="Notifications")
    expect(link.locator(".count-badge")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    link.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator(".notification.unread")).to_contain_text("Outside the mandate.")
    page.get_by_role("link", name=f"Amendment #{amendment.pk} rejected").click()
    expect(page).to_have_url(f"{page.url.split('/amendments/')[0]}/amendments/{amendment.pk}/")
    expect(page.get_by_role("link", name="Notifications").locator(".count-badge")).to_have_count(0)

    page.goto(page.url.split("/amendments/")[0] + "/accounts/notifications/")
    field = page.get_by_label("A decision on my delegation's amendment")
    expect(field).to_have_value(Delivery.IMMEDIATE)
    field.select_option(Delivery.NONE)
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator(".message")).to_contain_text("Your choices are saved.")
    from drafting.actions import notifications as notify

    assert notify.choices_of(expert)[Kind.AMENDMENT_DECIDED] == Delivery.NONE
