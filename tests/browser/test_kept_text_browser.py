"""Typing keeps the session alive; text typed when it ended is never lost — in a real browser.

Time is moved, never waited for: the server's idle clock by rewriting the
session's last-seen time, the page's by Playwright's fake clock.
"""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from playwright.sync_api import expect

from drafting.history import stamp
from drafting.middleware import LAST_SEEN_KEY
from drafting.models import Amendment, Practice, ReviewMeeting
from tests.conftest import PASSWORD, make_delegation, make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINUTE = 60_000  # ms, for the page's clock


def _session(page) -> SessionStore:
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    return SessionStore(session_key=cookie["value"])


def _idle_for(page, seconds: int) -> None:
    """As if this browser's last request had been ``seconds`` ago."""
    session = _session(page)
    session[LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def _keep_alive(response) -> bool:
    return reverse("drafting:session-keep-alive") in response.url


def _log_in(page, live_server, user) -> None:
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_typing_keeps_the_session_alive_and_a_late_submission_comes_back(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    form_url = live_server.url + reverse("drafting:amendment-propose-change", args=[practice.pk])
    idle = settings.SESSION_IDLE_TIMEOUT
    page = page_for(expert)
    page.clock.install()
    page.goto(form_url)
    rationale = page.locator("[name=rationale]")

    # Nearly timed out on the server; the person types: the page asks the server to
    # keep the session, and the idle clock starts again.
    _idle_for(page, idle - 30)
    page.clock.fast_forward(6 * MINUTE)
    with page.expect_response(_keep_alive) as ping:
        rationale.fill("Agreed with")
    assert ping.value.status == 204
    assert time.time() - _session(page)[LAST_SEEN_KEY] < 5

    # Typing again at once asks nothing (at most one request every few minutes).
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    rationale.fill("Agreed with the")
    page.wait_for_timeout(300)
    assert not [url for url in requests if "keep-alive" in url]

    # Walked away too long: the next keystroke learns the session is over. The page
    # stays, with a notice; the text is where it was.
    _idle_for(page, idle + 10)
    page.clock.fast_forward(6 * MINUTE)
    with page.expect_response(_keep_alive) as ping:
        rationale.fill("Agreed with the partner organisations.")
    assert ping.value.status == 401
    expect(page.locator(".session-notice")).to_contain_text("Your session has expired")
    assert page.url == form_url

    # Submitted anyway: nothing is saved, the text is kept through the log-in.
    page.fill("[name=heading]", "Engage families early")
    page.get_by_role("button", name="Propose amendment").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".messages")).to_contain_text("What you typed has been kept")
    assert not Amendment.objects.exists()

    _log_in(page, live_server, expert)
    page.wait_for_url(form_url)
    expect(page.locator(".kept-text")).to_contain_text("It has been put back in the form below")
    expect(rationale).to_have_value("Agreed with the partner organisations.")
    expect(page.locator("[name=heading]")).to_have_value("Engage families early")
    assert not Amendment.objects.exists()  # offered back, not resubmitted

    page.get_by_role("button", name="Propose amendment").click()
    expect(page.locator(".messages")).to_contain_text("proposed")
    amendment = Amendment.objects.get()
    assert amendment.rationale == "Agreed with the partner organisations."
    assert amendment.proposed_heading == "Engage families early"


def test_in_place_editor_survives_the_timeout_by_logging_in_again_in_another_tab(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    page = page_for(expert)
    page.clock.install()
    page.goto(live_server.url + practice.section.get_absolute_url())
    with page.expect_response(lambda r: "/presence/" in r.url):  # the editor's first heartbeat
        page.locator(f"#practice-{practice.pk}").get_by_role("link", name="Edit").click()
    editor = page.locator(f"#practice-{practice.pk}.editing")
    body = editor.locator("textarea[name=body]")
    body.fill("Families often notice first.")

    # The session ends while the editor is open. Its heartbeat finds out; the page does
    # not go anywhere (before, htmx sent it to the log-in page and the text was gone).
    _idle_for(page, settings.SESSION_IDLE_TIMEOUT + 10)
    with page.expect_response(lambda r: "/presence/" in r.url) as beat:
        page.clock.fast_forward(16_000)
    assert beat.value.status == 401
    expect(page.locator(".session-notice")).to_contain_text("log in again in a new tab")
    expect(body).to_have_value("Families often notice first.")

    # Logging in again in another tab gives the browser a new form token ...
    other = page.context.new_page()
    other.goto(live_server.url + reverse("login"))
    _log_in(other, live_server, expert)
    other.wait_for_url(f"{live_server.url}/")
    other.close()

    # ... which this tab picks up when the person comes back and types.
    page.bring_to_front()
    page.clock.fast_forward(10_000)
    with page.expect_response(_keep_alive) as ping:
        body.press_sequentially(" Really.")
    assert ping.value.status == 204
    expect(page.locator(".session-notice")).to_contain_text("You are logged in again")

    editor.locator("input[name=reason]").fill("After logging in again.")
    editor.get_by_role("button", name="Save").click()
    expect(page.locator(f"#practice-{practice.pk} .practice-body")).to_contain_text("Really.")
    practice.refresh_from_db()
    assert practice.body == "Families often notice first. Really."
    assert practice.history.latest().history_user == expert


def test_in_place_edit_saved_after_the_timeout_reopens_filled_after_logging_in(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    section_url = live_server.url + practice.section.get_absolute_url()
    page = page_for(expert)
    page.goto(section_url)
    page.locator(f"#practice-{practice.pk}").get_by_role("link", name="Edit").click()
    editor = page.locator(f"#practice-{practice.pk}.editing")
    editor.locator("textarea[name=body]").fill("Typed for an hour, then saved.")
    editor.locator("input[name=reason]").fill("Workshop outcome.")

    _idle_for(page, settings.SESSION_IDLE_TIMEOUT + 10)
    editor.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _log_in(page, live_server, expert)
    page.wait_for_url(section_url)

    # Back on the section page, the editor opens again with the text in it.
    expect(page.locator(".kept-text")).to_contain_text("put back in the form below")
    editor = page.locator(f"#practice-{practice.pk}.editing")
    expect(editor.locator("textarea[name=body]")).to_have_value("Typed for an hour, then saved.")
    expect(editor.locator("input[name=reason]")).to_have_value("Workshop outcome.")
    practice.refresh_from_db()
    assert practice.revision == 1  # nothing saved until the person saves again

    editor.get_by_role("button", name="Save").click()
    expect(page.locator(f"#practice-{practice.pk} .practice-body")).to_contain_text("an hour")
    practice.refresh_from_db()
    assert practice.revision == 2


def test_meeting_form_comes_back_with_its_boxes_as_they_were_ticked(
    page_for, live_server, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=1)
    first_section = document.sections.order_by("position").first()
    morocco, un = make_delegation(name="Morocco"), make_delegation(name="United Nations")
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        status=ReviewMeeting.Status.PLANNED,
        title="Rabat review meeting",
        city="Rabat",
        starts_on="2030-05-01",
        ends_on="2030-05-02",
    )
    stamp(meeting, by=secretariat, reason="Planned.")
    meeting.save()
    meeting.participants.add(morocco, un)
    edit_url = live_server.url + reverse("drafting:meeting-edit", args=[meeting.pk])
    page = page_for(secretariat)
    page.goto(edit_url)
    # Every participant unticked: the form sends no "participants" at all.
    page.locator(f"input[name=participants][value='{morocco.pk}']").uncheck()
    page.locator(f"input[name=participants][value='{un.pk}']").uncheck()
    page.locator(f"input[name=agenda][value='{first_section.pk}']").check()
    page.fill("[name=outcome]", "Agreed: practices 1 to 3.\n\n- Morocco to redraft 2.")

    _idle_for(page, settings.SESSION_IDLE_TIMEOUT + 10)
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _log_in(page, live_server, secretariat)
    page.wait_for_url(edit_url)

    expect(page.locator(".kept-text")).to_contain_text("put back in the form below")
    expect(page.locator("[name=outcome]")).to_have_value(
        "Agreed: practices 1 to 3.\n\n- Morocco to redraft 2."
    )
    expect(page.locator(f"input[name=participants][value='{morocco.pk}']")).not_to_be_checked()
    expect(page.locator(f"input[name=participants][value='{un.pk}']")).not_to_be_checked()
    expect(page.locator(f"input[name=agenda][value='{first_section.pk}']")).to_be_checked()
    meeting.refresh_from_db()
    assert set(meeting.participants.all()) == {morocco, un}  # nothing saved yet
    assert meeting.outcome == ""
