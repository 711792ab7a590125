"""No typed text is lost to the session's end: keep-alive, and text kept across a log-in.

Every test logs in for real (the log-in form, with CSRF checks on), opens a form,
lets the session expire by moving its last-seen time back (no sleeping), posts,
logs in again and finds the text offered back on the page, with nothing written.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drafting import kept_text, middleware
from drafting.history import stamp
from drafting.models import Amendment, Comment, Practice, ReviewMeeting, Section
from tests.conftest import PASSWORD, make_document

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
# What session.js adds to the htmx requests a person starts (a click, a submit).
USER_ACTION = {kept_text.USER_ACTION_HEADER: "1"}


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def browser():
    """A client that, like a browser, must send the form token."""
    return Client(enforce_csrf_checks=True)


def log_in(client: Client, user, next_page: str = "") -> object:
    """Log in through the real form (axes, signals and all), as a person does."""
    page = client.get(reverse("login"))
    data = {"username": user.username, "password": PASSWORD, "next": next_page}
    response = client.post(
        reverse("login"), {**data, "csrfmiddlewaretoken": token_in(page)}, HTTP_REFERER=SITE
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def token_in(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, "no form token on the page"
    return match.group(1)


def open_form(client: Client, url: str) -> str:
    """GET the form page; the token its forms carry."""
    response = client.get(url)
    assert response.status_code == 200, url
    return token_in(response)


def expire(client: Client, settings) -> None:
    """As if the person had walked away for longer than the idle timeout."""
    session = client.session
    session[middleware.LAST_SEEN_KEY] -= settings.SESSION_IDLE_TIMEOUT + 5
    session.save()


def history_rows() -> int:
    """Every history row of every tracked model: a post that changed nothing adds none."""
    return sum(
        model.objects.count()
        for model in apps.get_app_config("drafting").get_models()
        if model.__name__.startswith("Historical")
    )


def offered(response) -> dict | None:
    """The kept text the page offers back (what session.js puts in the form), if any."""
    page = response.content.decode()
    fields = re.search(r'data-kept-fields="([^"]*)"', page)
    action = re.search(r'data-kept-action="([^"]*)"', page)
    if not fields:
        return None
    return {"action": html.unescape(action.group(1)), **json.loads(html.unescape(fields.group(1)))}


def post_after_expiry(client, settings, form_page: str, action: str, data: dict, **headers):
    """Open the form, let the session expire, submit it."""
    token = open_form(client, form_page)
    expire(client, settings)
    return client.post(
        action, {**data, "csrfmiddlewaretoken": token}, HTTP_REFERER=SITE + form_page, **headers
    )


@pytest.fixture
def section(secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    return document.sections.get()


@pytest.fixture
def practice(section):
    return section.practices.order_by("position").first()


@pytest.fixture
def thread(practice, secretariat) -> Comment:
    comment = Comment(section=practice.section, practice=practice, author=secretariat, body="Why?")
    stamp(comment, by=secretariat, reason="Test set-up.")
    comment.save()
    return comment


# --- the whole round trip, form by form ----------------------------------------------------------


def test_amendment_typed_before_the_timeout_is_kept_and_offered_back(
    browser, expert, practice, settings
):
    form_page = reverse("drafting:amendment-propose-change", args=[practice.pk])
    log_in(browser, expert)
    before = history_rows()
    typed = {
        "heading": "Engage families early",
        "body": "Families are often the *first* to notice <b>change</b> & say so.",
        "rationale": "Agreed with the partner organisations.",
        "base_revision": str(practice.revision),
    }

    response = post_after_expiry(browser, settings, form_page, form_page, typed)

    # Nothing saved, nothing recorded; the person is asked to log in and will come back here.
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={form_page}"
    assert not Amendment.objects.exists()
    assert history_rows() == before
    login_page = browser.get(response["Location"]).content.decode()
    assert "logged out after 60 minutes without activity" in login_page
    assert "What you typed has been kept" in login_page

    back = log_in(browser, expert, next_page=form_page)
    assert back["Location"] == form_page
    page = browser.get(form_page)
    text = page.content.decode()
    assert "was not saved because your session had expired" in text
    assert offered(page) == {
        "action": form_page,
        **{name: [value] for name, value in typed.items()},
    }
    # Readable without JavaScript too, and escaped like any user text.
    assert "Agreed with the partner organisations." in text
    assert "&lt;b&gt;change&lt;/b&gt; &amp; say so." in text
    assert "<b>change</b>" not in text
    assert not Amendment.objects.exists()  # shown back, never resubmitted

    # Offered once; the conscious resubmission then goes through the usual checks.
    again = browser.get(form_page)
    assert offered(again) is None
    saved = browser.post(form_page, {**typed, "csrfmiddlewaretoken": token_in(again)})
    assert saved.status_code == 302
    amendment = Amendment.objects.get()
    assert amendment.rationale == typed["rationale"]
    assert amendment.proposed_by == expert


def test_comment_posted_with_htmx_after_the_timeout_comes_back_on_the_section_page(
    browser, expert, section, practice, settings
):
    section_page = section.get_absolute_url()
    action = reverse("drafting:comment-create", args=[section.pk])
    log_in(browser, expert)
    before = history_rows()
    typed = {"body": "Should this cover online signs too?", "practice": str(practice.pk)}

    response = post_after_expiry(
        browser,
        settings,
        section_page,
        action,
        typed,
        headers={"HX-Request": "true", "HX-Current-URL": SITE + section_page, **USER_ACTION},
    )

    # htmx would swap the log-in page into the thread: the whole page goes there instead.
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert not Comment.objects.exists()
    assert history_rows() == before

    log_in(browser, expert, next_page=section_page)
    page = browser.get(section_page)
    assert offered(page) == {
        "action": action,
        "body": [typed["body"]],
        "practice": [typed["practice"]],
    }
    assert not Comment.objects.exists()


def test_meeting_form_keeps_every_field_including_ticked_boxes(
    browser, secretariat, section, settings
):
    document = section.document
    form_page = reverse("drafting:meeting-create", args=[document.slug])
    log_in(browser, secretariat)
    before = history_rows()
    typed = {
        "kind": ReviewMeeting.Kind.WORKSHOP,
        "status": ReviewMeeting.Status.PLANNED,
        "title": "Expert workshop on detection",
        "theme": "Early signs",
        "city": "Valletta",
        "starts_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "ends_on": (timezone.localdate() + timedelta(days=31)).isoformat(),
        "outcome": "Long notes typed over an hour.\n\n- point one\n- point two",
        "reason": "",
        "agenda": [str(section.pk)],
    }

    response = post_after_expiry(browser, settings, form_page, form_page, typed)

    assert response["Location"].startswith(reverse("login"))
    assert not ReviewMeeting.objects.exists()
    assert history_rows() == before
    log_in(browser, secretariat, next_page=form_page)
    kept = offered(browser.get(form_page))
    assert kept["outcome"] == [typed["outcome"]]
    assert kept["agenda"] == [str(section.pk)]
    assert kept["title"] == ["Expert workshop on detection"]


@pytest.mark.parametrize(
    "who, page, action, typed",
    [
        (
            "expert",
            lambda s, p, c: reverse("drafting:amendment-propose-practice", args=[s.pk]),
            None,
            lambda s, p, c: {
                "after": str(p.pk),
                "heading": "A new one",
                "body": "B",
                "rationale": "R",
            },
        ),
        (
            "expert",
            lambda s, p, c: reverse("drafting:amendment-propose-deletion", args=[p.pk]),
            None,
            lambda s, p, c: {"base_revision": str(p.revision), "rationale": "Covered elsewhere."},
        ),
        (
            "expert",
            lambda s, p, c: reverse("drafting:practice-add", args=[s.pk]),
            None,
            lambda s, p, c: {"heading": "Added", "body": "New body", "reason": "Workshop."},
        ),
        (
            "expert",
            lambda s, p, c: reverse("drafting:practice-edit", args=[p.pk]),
            None,
            lambda s, p, c: {
                "heading": "Edited",
                "body": "Edited body",
                "reason": "Tidy.",
                "base_revision": str(p.revision),
            },
        ),
        (
            "secretariat",
            lambda s, p, c: reverse("drafting:section-add", args=[s.document.slug]),
            None,
            lambda s, p, c: {"title": "A section typed at length"},
        ),
        (
            "expert",
            lambda s, p, c: reverse("drafting:section-request-review", args=[s.pk]),
            None,
            lambda s, p, c: {"reason": "Ready for the Rabat workshop.", "next": ""},
        ),
        (
            "expert",
            lambda s, p, c: s.get_absolute_url(),
            lambda s, p, c: reverse("drafting:comment-reply", args=[c.pk]),
            lambda s, p, c: {"body": "A reply typed slowly."},
        ),
    ],
    ids=[
        "new-practice-amendment",
        "deletion-amendment",
        "new-practice",
        "edit-practice",
        "new-section",
        "transition-reason",
        "reply",
    ],
)
def test_every_form_keeps_its_text_across_the_timeout(
    who, page, action, typed, browser, request, section, practice, thread, settings
):
    user = request.getfixturevalue(who)
    form_page = page(section, practice, thread)
    action_url = action(section, practice, thread) if action else form_page
    data = typed(section, practice, thread)
    log_in(browser, user)
    before = history_rows(), Section.objects.count(), Practice.objects.count()

    response = post_after_expiry(browser, settings, form_page, action_url, data)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert (history_rows(), Section.objects.count(), Practice.objects.count()) == before
    log_in(browser, user, next_page=form_page)
    kept = offered(browser.get(form_page))
    assert kept == {"action": action_url, **{k: [v] for k, v in data.items()}}


# --- whose text it is -----------------------------------------------------------------------------


def test_someone_else_logging_in_on_the_same_browser_never_sees_the_text(
    browser, expert, other_expert, practice, settings
):
    form_page = reverse("drafting:amendment-propose-change", args=[practice.pk])
    log_in(browser, expert)
    post_after_expiry(
        browser,
        settings,
        form_page,
        form_page,
        {"heading": "H", "body": "Private draft wording", "rationale": "Mine."},
    )

    log_in(browser, other_expert, next_page=form_page)
    page = browser.get(form_page)
    assert offered(page) is None
    assert "Private draft wording" not in page.content.decode()
    assert kept_text.KEPT_KEY not in browser.session  # dropped, not merely hidden

    # Nor does the author get it back later in this browser: it left with the other log-in.
    browser.post(reverse("logout"), {"csrfmiddlewaretoken": token_in(page)})
    log_in(browser, expert, next_page=form_page)
    assert offered(browser.get(form_page)) is None


def test_form_posted_after_logging_out_changes_nothing_and_stays_its_authors(
    browser, expert, other_expert, practice, settings
):
    """The tab left open after logging out: a clear message, nothing changed, never a 500."""
    form_page = reverse("drafting:amendment-propose-change", args=[practice.pk])
    log_in(browser, expert)
    token = open_form(browser, form_page)
    before = history_rows()
    browser.post(reverse("logout"), {"csrfmiddlewaretoken": token})

    response = browser.post(
        form_page,
        {"heading": "H", "body": "B", "rationale": "Typed before logging out."},
        HTTP_REFERER=SITE + form_page,
        **{"HTTP_X_CSRFTOKEN": token},
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Amendment.objects.exists() and history_rows() == before
    assert "What you typed has been kept" in browser.get(response["Location"]).content.decode()

    log_in(browser, other_expert, next_page=form_page)
    assert offered(browser.get(form_page)) is None


def test_a_post_from_a_browser_without_any_session_is_refused_plainly(client, practice):
    form_page = reverse("drafting:amendment-propose-change", args=[practice.pk])
    response = client.post(form_page, {"rationale": "x"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert not Amendment.objects.exists()


# --- the form token after logging in again ----------------------------------------------------


def test_form_opened_before_logging_in_again_elsewhere_is_kept_not_refused(
    browser, expert, practice, settings
):
    """Log in again in another tab (a new form token), then submit the old tab's form."""
    form_page = reverse("drafting:amendment-propose-change", args=[practice.pk])
    log_in(browser, expert)
    old_token = open_form(browser, form_page)
    expire(browser, settings)
    browser.get(form_page)  # the other tab: sent to log in ...
    log_in(browser, expert)  # ... and logged in again: the token changes
    before = history_rows()

    typed = {"heading": "H", "body": "B", "rationale": "From the old tab."}
    response = browser.post(
        form_page,
        {**typed, "csrfmiddlewaretoken": old_token},
        HTTP_REFERER=SITE + form_page,
        HTTP_ORIGIN=SITE,
    )
    # Still logged in: straight back to the form, text offered, nothing saved.
    assert response.status_code == 302 and response["Location"] == form_page
    assert history_rows() == before
    kept = offered(browser.get(form_page))
    assert kept["rationale"] == ["From the old tab."]


def test_a_post_from_another_site_keeps_nothing(browser, expert, practice, settings):
    form_page = reverse("drafting:amendment-propose-change", args=[practice.pk])
    log_in(browser, expert)
    open_form(browser, form_page)
    for origin in ["https://evil.example", None]:
        headers = {"HTTP_ORIGIN": origin} if origin else {}
        response = browser.post(form_page, {"rationale": "Planted text"}, **headers)
        assert response.status_code == 403
        assert "nothing was saved" in response.content.decode()
    assert kept_text.KEPT_KEY not in browser.session
    assert offered(browser.get(form_page)) is None


# --- what is kept --------------------------------------------------------------------------------


def test_background_htmx_requests_after_expiry_keep_nothing_and_do_not_navigate(
    browser, expert, practice, settings
):
    section_page = practice.section.get_absolute_url()
    log_in(browser, expert)
    token = open_form(browser, section_page)
    expire(browser, settings)
    response = browser.post(
        reverse("drafting:practice-preview"),
        {"body": "half a sentence"},
        HTTP_X_CSRFTOKEN=token,
        HTTP_HX_REQUEST="true",
        HTTP_REFERER=SITE + section_page,
    )
    assert response.status_code == 401
    assert "HX-Redirect" not in response
    assert kept_text.KEPT_KEY not in browser.session


def test_no_token_no_password_and_bounded_size(browser, expert, practice, settings):
    form_page = reverse("drafting:amendment-propose-change", args=[practice.pk])
    home = reverse("drafting:home")
    log_in(browser, expert)
    for n in range(kept_text.MAX_KEPT + 2):
        # Posted from the form page, but never back on it: the offers pile up.
        token = open_form(browser, home)
        expire(browser, settings)
        browser.post(
            form_page,
            {
                "csrfmiddlewaretoken": token,
                "rationale": f"try {n}",
                "password": "hunter2",
                "huge": "x" * (kept_text.MAX_BYTES + 1),
            },
            HTTP_REFERER=SITE + form_page,
        )
        log_in(browser, expert)
    kept = browser.session[kept_text.KEPT_KEY]
    assert len(kept) == kept_text.MAX_KEPT
    assert [k["fields"]["rationale"] for k in kept] == [
        [f"try {n}"] for n in range(2, kept_text.MAX_KEPT + 2)
    ]
    for k in kept:
        assert set(k["fields"]) == {"rationale"}  # no token, no password
        assert k["dropped"] == ["huge"]
    page = browser.get(form_page).content.decode()
    assert "Not kept (too long to keep, or a file to choose again): huge." in page


# --- keep-alive ---------------------------------------------------------------------------------


def test_keep_alive_restarts_the_idle_clock_and_says_when_the_session_ended(
    browser, expert, settings
):
    url = reverse("drafting:session-keep-alive")
    log_in(browser, expert)
    session = browser.session
    session[middleware.LAST_SEEN_KEY] -= settings.SESSION_IDLE_TIMEOUT - 30  # nearly timed out
    session.save()

    alive = browser.get(url)
    assert alive.status_code == 204
    assert alive["X-CSRFToken"]  # forms on the page can take the current token
    assert "no-cache" in alive["Cache-Control"]
    assert browser.session[middleware.LAST_SEEN_KEY] >= timezone.now().timestamp() - 5

    expire(browser, settings)
    ended = browser.get(url)
    assert ended.status_code == 401  # not a redirect: the page stays as it is
    assert browser.get(reverse("drafting:home")).status_code == 302
    assert Client().get(url).status_code == 401


def test_requests_in_the_background_change_nothing_the_next_page_ends_the_session(
    browser, expert, settings
):
    """Several at once must not each start a session (the browser would keep one)."""
    log_in(browser, expert)
    key = browser.session.session_key
    expire(browser, settings)
    assert browser.get(reverse("drafting:session-keep-alive")).status_code == 401
    background = {"HX-Request": "true"}
    assert browser.get(reverse("drafting:home"), headers=background).status_code == 401
    assert browser.cookies[settings.SESSION_COOKIE_NAME].value == key

    # "Log in again in a new tab": the log-in form itself, saying why; then back in.
    page = browser.get(reverse("login"))
    assert page.status_code == 200
    assert "logged out after 60 minutes without activity" in page.content.decode()
    assert browser.cookies[settings.SESSION_COOKIE_NAME].value != key
    assert log_in(browser, expert)["Location"] == reverse("drafting:home")


def test_keep_alive_does_not_outlast_the_absolute_limit(browser, expert, settings):
    log_in(browser, expert)
    session = browser.session
    session[middleware.STARTED_KEY] -= settings.SESSION_COOKIE_AGE + 1
    session.save()
    assert browser.get(reverse("drafting:session-keep-alive")).status_code == 401


def test_keep_alive_is_read_only(browser, expert):
    log_in(browser, expert)
    token = open_form(browser, reverse("drafting:home"))
    response = browser.post(reverse("drafting:session-keep-alive"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 405
