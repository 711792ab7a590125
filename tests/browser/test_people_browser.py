"""The secretariat invites an expert; the expert opens the e-mailed link, chooses a password
and logs in, in a real browser (the e-mail is read from Django's locmem outbox)."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from drafting.models import ExpertProfile
from tests.conftest import make_delegation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "norvania-drafts-good-practices"


def test_secretariat_invites_an_expert_who_sets_a_password_and_logs_in(
    page_for, live_server, secretariat, mailoutbox
):
    norvania = make_delegation(name="Norvania", code="NOR")
    # A phone-sized screen: the secretariat's pages work at 390 px.
    page = page_for(secretariat, viewport={"width": 390, "height": 844})
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    page.get_by_role("link", name="Invite a person…").click()
    page.get_by_label("Given name").fill("Ingrid")
    page.get_by_label("Family name").fill("Solberg")
    page.get_by_label("E-mail address").fill("ingrid@norvania.example")
    page.get_by_label("Delegation").select_option(label="Norvania")
    page.get_by_label("Role").select_option("expert")
    page.get_by_role("button", name="Create the account and send the invitation").click()

    expect(page.get_by_role("heading", name="Ingrid Solberg")).to_be_visible()
    expect(page.locator(".message")).to_contain_text("invitation e-mail went to ingrid@")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    person = get_user_model().objects.get(email="ingrid@norvania.example")
    assert person.profile.delegation == norvania
    assert person.profile.role == ExpertProfile.Role.EXPERT
    assert [m.to for m in mailoutbox] == [["ingrid@norvania.example"]]
    link = re.search(r"http://\S+/accounts/password/set/\S+/", mailoutbox[0].body).group(0)
    assert link.startswith(live_server.url)

    # The expert, in a browser of their own.
    theirs = page_for()
    theirs.goto(link)
    expect(theirs.get_by_role("heading", name="Choose your password")).to_be_visible()
    theirs.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    theirs.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    theirs.get_by_role("button", name="Save my password").click()
    expect(theirs.get_by_role("heading", name="Password saved")).to_be_visible()
    theirs.get_by_role("link", name="Log in").last.click()
    theirs.fill("#id_username", "ingrid@norvania.example")
    theirs.fill("#id_password", NEW_PASSWORD)
    theirs.click("button[type=submit]")
    theirs.wait_for_url(f"{live_server.url}/")
    expect(theirs.locator(".who")).to_contain_text("Ingrid Solberg · NOR · Expert")
