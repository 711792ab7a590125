"""Every URL × every role × a drafting and an adopted document: who may GET what.

Reads check roles as writes do (issue 11). The table below is the
specification of what each persona gets when it opens each page of the demo
forum (tests/urlwalk.py fills every route with real objects), once while the
document is being drafted and once after it has been adopted:

    200    the page (or the file)
    L      redirected to the login page
    403    refused by the rules, the 403 page says why
    405    the URL only takes a POST
    302    redirected elsewhere (e.g. a practice's address leads to its place on the section page)
    400    the page, saying what is missing from the request (a redline needs its points)

Personas, in order: anonymous, norole (logged in, no drafting role), observer,
other_expert (an expert of another delegation than the proposer of the
amendment and the author of the comment), expert (that proposer and author),
secretariat. What the table decides for ``norole``: once a document is adopted
its current text is public (document, sections, practices, search, the
current-text downloads), but its history, redlines, review (amendments,
comments, versions, meetings, dashboard, deletions) stay with the people who
drafted it: the rules are ``why_cannot_view_document``,
``why_cannot_export_history`` and ``why_cannot_view_review`` in
drafting/permissions.py.

A route missing from the table fails the test, naming it: a page added
tomorrow must be classified here.
"""

from __future__ import annotations

import os
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from drafting import export
from drafting.export import jobs
from drafting.models import Document
from tests.conftest import make_document
from tests.urlwalk import World, adopt, demo_world, routes, urls

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "norole", "observer", "other_expert", "expert", "secretariat")

EXPECTED = """
    # route                              state     anon norole obs other expert secr
    drafting:amendment-accept              drafting  L    403  403  403  403  200
    drafting:amendment-accept              adopted   L    403  403  403  403  403
    drafting:amendment-detail              drafting  L    403  200  200  200  200
    drafting:amendment-detail              adopted   L    403  200  200  200  200
    drafting:amendment-list                drafting  L    403  200  200  200  200
    drafting:amendment-list                adopted   L    403  200  200  200  200
    drafting:amendment-propose-change      drafting  L    403  403  200  200  200
    drafting:amendment-propose-change      adopted   L    403  403  403  403  403
    drafting:amendment-propose-deletion    drafting  L    403  403  200  200  200
    drafting:amendment-propose-deletion    adopted   L    403  403  403  403  403
    drafting:amendment-propose-practice    drafting  L    403  403  200  200  200
    drafting:amendment-propose-practice    adopted   L    403  403  403  403  403
    drafting:amendment-reject              drafting  L    403  403  403  403  200
    drafting:amendment-reject              adopted   L    403  403  403  403  403
    drafting:amendment-withdraw            drafting  L    405  405  405  405  405
    drafting:amendment-withdraw            adopted   L    405  405  405  405  405
    drafting:comment-list                  drafting  L    403  200  200  200  200
    drafting:comment-list                  adopted   L    403  200  200  200  200
    drafting:comment-create                drafting  L    405  405  405  405  405
    drafting:comment-create                adopted   L    405  405  405  405  405
    drafting:comment-reply                 drafting  L    405  405  405  405  405
    drafting:comment-reply                 adopted   L    405  405  405  405  405
    drafting:comment-resolve               drafting  L    405  405  405  405  405
    drafting:comment-resolve               adopted   L    405  405  405  405  405
    drafting:comment-unresolve             drafting  L    405  405  405  405  405
    drafting:comment-unresolve             adopted   L    405  405  405  405  405
    drafting:deletion-restore              drafting  L    405  405  405  405  405
    drafting:deletion-restore              adopted   L    405  405  405  405  405
    drafting:document-adopt                drafting  L    403  403  403  403  200
    drafting:document-adopt                adopted   L    403  403  403  403  403
    drafting:document-changes              drafting  L    403  200  200  200  200
    drafting:document-changes              adopted   L    403  200  200  200  200
    drafting:document-dashboard            drafting  L    403  200  200  200  200
    drafting:document-dashboard            adopted   L    403  200  200  200  200
    drafting:document-create               drafting  L    403  403  403  403  200
    drafting:document-create               adopted   L    403  403  403  403  200
    drafting:document-edit                 drafting  L    403  403  403  403  200
    drafting:document-edit                 adopted   L    403  403  403  403  403
    drafting:document-import               drafting  L    403  403  403  403  200
    drafting:document-import               adopted   L    403  403  403  403  403
    drafting:document-import-preview       drafting  L    403  403  403  403  404
    drafting:document-import-preview       adopted   L    403  403  403  403  403
    drafting:document-deleted              drafting  L    403  200  200  200  200
    drafting:document-deleted              adopted   L    403  200  200  200  200
    drafting:document-detail               drafting  L    403  200  200  200  200
    drafting:document-detail               adopted   200  200  200  200  200  200
    drafting:document-export               drafting  L    403  200  200  200  200
    drafting:document-export               adopted   200  200  200  200  200  200
    drafting:document-exports              drafting  L    403  200  200  200  200
    drafting:document-exports              adopted   L    403  200  200  200  200
    drafting:document-finalise             drafting  L    403  403  403  403  200
    drafting:document-finalise             adopted   L    403  403  403  403  403
    drafting:document-open-review          drafting  L    403  403  403  403  200
    drafting:document-open-review          adopted   L    403  403  403  403  403
    drafting:document-redline              drafting  L    403  400  400  400  400
    drafting:document-redline              adopted   L    403  400  400  400  400
    drafting:document-renumber             drafting  L    403  403  403  403  200
    drafting:document-renumber             adopted   L    403  403  403  403  403
    drafting:document-reopen               drafting  L    403  403  403  403  200
    drafting:document-reopen               adopted   L    403  403  403  403  403
    drafting:document-return-to-drafting   drafting  L    403  403  403  403  200
    drafting:document-return-to-drafting   adopted   L    403  403  403  403  403
    drafting:document-search               drafting  L    403  200  200  200  200
    drafting:document-search               adopted   200  200  200  200  200  200
    drafting:document-submit               drafting  L    403  403  403  403  200
    drafting:document-submit               adopted   L    403  403  403  403  403
    drafting:document-withdraw-submission  drafting  L    403  403  403  403  200
    drafting:document-withdraw-submission  adopted   L    403  403  403  403  403
    drafting:home                          drafting  L    200  200  200  200  200
    drafting:home                          adopted   L    200  200  200  200  200
    drafting:export-job                    drafting  404  404  404  404  404  200/404
    drafting:export-job                    adopted   404  404  404  404  404  200/404
    drafting:export-job-file               drafting  404  404  404  404  404  200/404
    drafting:export-job-file               adopted   404  404  404  404  404  200/404
    drafting:import-cancel                 drafting  L    405  405  405  405  405
    drafting:import-cancel                 adopted   L    405  405  405  405  405
    drafting:import-preview                drafting  L    403  403  403  403  404
    drafting:import-preview                adopted   L    403  403  403  403  404
    drafting:import-start                  drafting  L    403  403  403  403  200
    drafting:import-start                  adopted   L    403  403  403  403  200
    drafting:meeting-circulate             drafting  L    405  405  405  405  405
    drafting:meeting-circulate             adopted   L    405  405  405  405  405
    drafting:meeting-create                drafting  L    403  403  403  403  200
    drafting:meeting-create                adopted   L    403  403  403  403  403
    drafting:meeting-detail                drafting  L    403  200  200  200  200
    drafting:meeting-detail                adopted   L    403  200  200  200  200
    drafting:meeting-edit                  drafting  L    403  403  403  403  200
    drafting:meeting-edit                  adopted   L    403  403  403  403  403
    drafting:meeting-list                  drafting  L    403  200  200  200  200
    drafting:meeting-list                  adopted   L    403  200  200  200  200
    # Notifications (issue 15): each person's own list and choices.
    drafting:notification-list             drafting  L    200  200  200  200  200
    drafting:notification-list             adopted   L    200  200  200  200  200
    drafting:notification-preferences      drafting  L    200  200  200  200  200
    drafting:notification-preferences      adopted   L    200  200  200  200  200
    drafting:notification-read-all         drafting  L    405  405  405  405  405
    drafting:notification-read-all         adopted   L    405  405  405  405  405
    # Silence procedure (issue 15): its page is the review's; the rest is the secretariat's
    # (breaking silence: invited experts, by POST only).
    drafting:silence-break                 drafting  L    405  405  405  405  405
    drafting:silence-break                 adopted   L    405  405  405  405  405
    drafting:silence-conclude              drafting  L    405  405  405  405  405
    drafting:silence-conclude              adopted   L    405  405  405  405  405
    drafting:silence-create                drafting  L    403  403  403  403  200
    drafting:silence-create                adopted   L    403  403  403  403  403
    drafting:silence-detail                drafting  L    403  200  200  200  200
    drafting:silence-detail                adopted   L    403  200  200  200  200
    drafting:silence-end                   drafting  L    405  405  405  405  405
    drafting:silence-end                   adopted   L    405  405  405  405  405
    # People (issue 12): the secretariat's, whatever state a document is in.
    drafting:people-invite                 drafting  L    403  403  403  403  200
    drafting:people-invite                 adopted   L    403  403  403  403  200
    drafting:people-list                   drafting  L    403  403  403  403  200
    drafting:people-list                   adopted   L    403  403  403  403  200
    drafting:person-deactivate             drafting  L    405  405  405  405  405
    drafting:person-deactivate             adopted   L    405  405  405  405  405
    drafting:person-detail                 drafting  L    403  403  403  403  200
    drafting:person-detail                 adopted   L    403  403  403  403  200
    drafting:person-reactivate             drafting  L    405  405  405  405  405
    drafting:person-reactivate             adopted   L    405  405  405  405  405
    drafting:person-resend                 drafting  L    405  405  405  405  405
    drafting:person-resend                 adopted   L    405  405  405  405  405
    drafting:person-role                   drafting  L    405  405  405  405  405
    drafting:person-role                   adopted   L    405  405  405  405  405
    drafting:agreement-set                 drafting  L    405  405  405  405  405
    drafting:agreement-set                 adopted   L    405  405  405  405  405
    drafting:package-build                 drafting  L    405  405  405  405  405
    drafting:package-build                 adopted   L    405  405  405  405  405
    drafting:package-download              drafting  L    403  200  200  200  200
    drafting:package-download              adopted   L    403  200  200  200  200
    drafting:package-list                  drafting  L    403  200  200  200  200
    drafting:package-list                  adopted   L    403  200  200  200  200
    drafting:position-export               drafting  L    403  403  200  200  200
    drafting:position-export               adopted   L    403  403  200  200  200
    drafting:position-matrix               drafting  L    403  403  200  200  200
    drafting:position-matrix               adopted   L    403  403  200  200  200
    drafting:position-record               drafting  L    405  405  405  405  405
    drafting:position-record               adopted   L    405  405  405  405  405
    drafting:position-set                  drafting  L    403  403  200  200  200
    drafting:position-set                  adopted   L    403  403  200  200  200
    drafting:bracket-resolve               drafting  L    405  405  405  405  405
    drafting:bracket-resolve               adopted   L    405  405  405  405  405
    drafting:bracket-support               drafting  L    405  405  405  405  405
    drafting:bracket-support               adopted   L    405  405  405  405  405
    drafting:document-brackets             drafting  L    403  200  200  200  200
    drafting:document-brackets             adopted   200  200  200  200  200  200
    drafting:practice-brackets             drafting  L    403  200  200  200  200
    drafting:practice-brackets             adopted   L    200  200  200  200  200
    drafting:practice-add                  drafting  L    403  403  200  200  200
    drafting:practice-add                  adopted   L    403  403  403  403  403
    drafting:practice-compare              drafting  L    403  200  200  200  200
    drafting:practice-compare              adopted   L    403  200  200  200  200
    drafting:practice-delete               drafting  L    403  403  200  200  200
    drafting:practice-delete               adopted   L    403  403  403  403  403
    drafting:practice-detail               drafting  L    403  302  302  302  302
    drafting:practice-detail               adopted   302  302  302  302  302  302
    drafting:practice-edit                 drafting  L    403  403  200  200  200
    drafting:practice-edit                 adopted   L    403  403  403  403  403
    drafting:practice-history              drafting  L    403  200  200  200  200
    drafting:practice-history              adopted   L    403  200  200  200  200
    drafting:practice-move                 drafting  L    403  403  200  200  200
    drafting:practice-move                 adopted   L    403  403  403  403  403
    drafting:practice-presence             drafting  L    405  405  405  405  405
    drafting:practice-presence             adopted   L    405  405  405  405  405
    drafting:practice-preview              drafting  L    405  405  405  405  405
    drafting:practice-preview              adopted   L    405  405  405  405  405
    drafting:practice-restore              drafting  L    405  405  405  405  405
    drafting:practice-restore              adopted   L    405  405  405  405  405
    drafting:practice-undelete             drafting  L    405  405  405  405  405
    drafting:practice-undelete             adopted   L    405  405  405  405  405
    drafting:section-add                   drafting  L    403  403  200  200  200
    drafting:section-add                   adopted   L    403  403  403  403  403
    drafting:section-approve               drafting  L    403  403  403  403  200
    drafting:section-approve               adopted   L    403  403  403  403  403
    drafting:section-delete                drafting  L    403  403  403  403  200
    drafting:section-delete                adopted   L    403  403  403  403  403
    drafting:section-detail                drafting  L    403  200  200  200  200
    drafting:section-detail                adopted   200  200  200  200  200  200
    drafting:section-edit                  drafting  L    403  403  200  200  200
    drafting:section-edit                  adopted   L    403  403  403  403  403
    drafting:section-history               drafting  L    403  200  200  200  200
    drafting:section-history               adopted   L    403  200  200  200  200
    drafting:section-move                  drafting  L    403  403  200  200  200
    drafting:section-move                  adopted   L    403  403  403  403  403
    drafting:section-reopen                drafting  L    403  403  403  403  200
    drafting:section-reopen                adopted   L    403  403  403  403  403
    drafting:section-request-review        drafting  L    403  403  200  200  200
    drafting:section-request-review        adopted   L    403  403  403  403  403
    drafting:section-return-to-drafting    drafting  L    403  403  403  403  200
    drafting:section-return-to-drafting    adopted   L    403  403  403  403  403
    drafting:session-keep-alive            drafting  401  204  204  204  204  204
    drafting:session-keep-alive            adopted   401  204  204  204  204  204
    drafting:version-create                drafting  L    403  403  403  403  200
    drafting:version-create                adopted   L    403  403  403  403  403
    drafting:version-list                  drafting  L    403  200  200  200  200
    drafting:version-list                  adopted   L    403  200  200  200  200
    drafting:version-detail                drafting  L    403  200  200  200  200
    drafting:version-detail                adopted   L    403  200  200  200  200
    healthz                                drafting  200  200  200  200  200  200
    healthz                                adopted   200  200  200  200  200  200
    login                                  drafting  200  200  200  200  200  200
    login                                  adopted   200  200  200  200  200  200
    logout                                 drafting  405  405  405  405  405  405
    logout                                 adopted   405  405  405  405  405  405
    # Passwords: one's own (logged in); a forgotten one and an e-mailed link (anyone; a forged
    # link is a page saying it no longer works).
    password-change                        drafting  L    200  200  200  200  200
    password-change                        adopted   L    200  200  200  200  200
    password-change-done                   drafting  L    200  200  200  200  200
    password-change-done                   adopted   L    200  200  200  200  200
    password-reset                         drafting  200  200  200  200  200  200
    password-reset                         adopted   200  200  200  200  200  200
    password-reset-complete                drafting  200  200  200  200  200  200
    password-reset-complete                adopted   200  200  200  200  200  200
    password-reset-confirm                 drafting  200  200  200  200  200  200
    password-reset-confirm                 adopted   200  200  200  200  200  200
    # comment periods (issue 15)
    drafting:period-list                   drafting  L    403  200  200  200  200
    drafting:period-list                   adopted   L    403  200  200  200  200
    drafting:period-create                 drafting  L    403  403  403  403  200
    drafting:period-create                 adopted   L    403  403  403  403  403
    drafting:period-detail                 drafting  L    403  200  200  200  200
    drafting:period-detail                 adopted   L    403  200  200  200  200
    drafting:period-submit                 drafting  L    405  405  405  405  405
    drafting:period-submit                 adopted   L    405  405  405  405  405
    drafting:period-compilation            drafting  L    403  200  200  200  200
    drafting:period-compilation            adopted   L    403  200  200  200  200
    drafting:period-compilation-export     drafting  L    403  200  200  200  200
    drafting:period-compilation-export     adopted   L    403  200  200  200  200
    drafting:period-dispositions           drafting  L    403  200  200  200  200
    drafting:period-dispositions           adopted   L    403  200  200  200  200
    drafting:period-dispositions-export    drafting  L    403  200  200  200  200
    drafting:period-dispositions-export    adopted   L    403  200  200  200  200
    password-reset-sent                    drafting  200  200  200  200  200  200
    password-reset-sent                    adopted   200  200  200  200  200  200
"""


def _table(text: str) -> dict[tuple[str, str], tuple[str, ...]]:
    rows = {}
    for line in text.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, state, *outcomes = line.split()
        assert len(outcomes) == len(ROLES), line
        assert (name, state) not in rows, f"{name} {state} is in the table twice"
        rows[(name, state)] = tuple(outcomes)
    return rows


def _outcome(response) -> str:
    status = response.status_code
    if status == 302 and response["Location"].startswith(reverse("login")):
        return "L"
    return str(status)


def _fake_export(document, fmt, point=export.NOW, *, redline_from=None, **kwargs):
    # Who may download is the question here; what the files hold is test_export*'s (and
    # test_export_jobs's: a PDF comes through an export job's page).
    return export.Exported(content=b"file", filename=f"x.{fmt}", content_type="text/plain")


def _sweep(world: World) -> dict[str, dict[str, set[str]]]:
    """route name -> role -> the outcomes of GETting each of its URLs as that role."""
    clients = {}
    for role in ROLES:
        user = world.users.get(role)
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    seen: dict[str, dict[str, set[str]]] = {}
    with (
        mock.patch.object(export, "export", _fake_export),
        mock.patch.object(jobs, "serve", _fake_export),
    ):
        for route, url in urls(world):
            for role in ROLES:
                response = clients[role].get(url)
                seen.setdefault(route.name, {}).setdefault(role, set()).add(_outcome(response))
    return seen


@pytest.mark.parametrize("state", ["drafting", "adopted"])
def test_every_url_as_every_role(state):
    world = demo_world()
    if state == "adopted":
        adopt(world)
    else:
        assert world.document.status == Document.Status.DRAFTING
    seen = _sweep(world)
    observed = {
        name: tuple("/".join(sorted(by_role[role])) for role in ROLES)
        for name, by_role in seen.items()
    }
    if os.environ.get("SHOW_ACCESS_TABLE"):
        width = max(len(n) for n in observed)
        print()
        for name in sorted(observed):
            print(f"    {name:<{width}}  {state:<9} " + " ".join(f"{o:<4}" for o in observed[name]))
    table = _table(EXPECTED)
    unclassified = sorted(set(observed) - {name for name, s in table if s == state})
    assert not unclassified, (
        f"URLs without an entry for a {state} document in tests/test_read_access.py: "
        f"{unclassified}. Decide what each persona may see and add a line."
    )
    gone = sorted({name for name, s in table if s == state} - set(observed))
    assert not gone, f"The table names routes that no longer exist: {gone}"
    wrong = [
        f"{name} ({state}) as {role}: expected {want}, got {got}"
        for name in sorted(observed)
        for role, want, got in zip(ROLES, table[(name, state)], observed[name], strict=True)
        if want != got
    ]
    assert not wrong, "\n".join(wrong)


def test_the_sweep_covers_every_route():
    names = {route.name for route in routes()}
    table = _table(EXPECTED)
    for state in ("drafting", "adopted"):
        assert names == {name for name, s in table if s == state}, state


# --- What the table means for a person, page by page ------------------------------------------


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def adopted():
    from tests.test_permissions_matrix import build

    return build("adopted")


def test_no_role_reads_the_adopted_text_but_not_its_history(client, adopted):
    """The published text is public; who wrote what, and the drafts before it, are not."""
    client.force_login(adopted.users["norole"])
    document, practice, section = adopted.document, adopted.practice, adopted.section
    assert client.get(document.get_absolute_url()).status_code == 200
    assert client.get(section.get_absolute_url()).status_code == 200
    for url in (
        reverse("drafting:practice-history", args=[practice.pk]),
        reverse("drafting:practice-compare", args=[practice.pk]),
        reverse("drafting:section-history", args=[section.pk]),
        reverse("drafting:document-changes", args=[document.slug]) + "?since=2000-01-01",
        reverse("drafting:document-redline", args=[document.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "no drafting role" in response.content.decode(), url
    for url in (
        reverse("drafting:meeting-list", args=[document.slug]),
        reverse("drafting:meeting-detail", args=[adopted.meeting.pk]),
        reverse("drafting:amendment-detail", args=[adopted.amendment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "drafting role to see the review" in response.content.decode(), url


def test_observers_keep_reading_the_history_of_an_adopted_document(client, adopted):
    client.force_login(adopted.users["observer"])
    url = reverse("drafting:practice-history", args=[adopted.practice.pk])
    assert client.get(url).status_code == 200


def test_no_role_on_a_draft_is_told_why_not_sent_to_log_in_again(client, db):
    """Logged in without a role: a 403 that says so, never a login page it has passed."""
    from tests.test_permissions_matrix import build

    world = build("drafting")
    client.force_login(world.users["norole"])
    for url in (
        world.document.get_absolute_url(),
        world.section.get_absolute_url(),
        reverse("drafting:practice-detail", args=[world.practice.pk]),
        reverse("drafting:document-search", args=[world.document.slug]) + "?q=practice",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "no drafting role" in response.content.decode(), url


def test_anonymous_visitors_are_sent_to_log_in_and_come_back(client, db):
    from tests.test_permissions_matrix import build

    world = build("drafting")
    url = world.section.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_a_deleted_practice_edited_by_someone_without_a_role_is_a_plain_404(client, db):
    """The "deleted while you were editing" page names who deleted it: role holders only."""
    from tests.test_permissions_matrix import build

    world = build("drafting")
    client.force_login(world.users["norole"])
    url = reverse("drafting:practice-edit", args=[world.deleted_pk])
    response = client.post(url, {"heading": "Mine", "body": "Typed."})
    assert response.status_code == 404
    client.force_login(world.users["expert"])
    assert client.post(url, {"heading": "Mine", "body": "Typed."}).status_code == 409


def test_the_home_page_lists_to_no_role_only_what_it_may_open(client, adopted, secretariat):
    draft = make_document(by=secretariat, sections=1, practices=1, title="A draft in progress")
    client.force_login(adopted.users["norole"])
    page = client.get(reverse("drafting:home")).content.decode()
    assert adopted.document.title in page
    assert draft.title not in page
    assert "no drafting role" in page
    client.force_login(adopted.users["observer"])
    page = client.get(reverse("drafting:home")).content.decode()
    assert adopted.document.title in page and draft.title in page
    assert "no drafting role" not in page


def test_pages_of_the_adopted_text_offer_no_role_no_links_it_would_be_refused(client, adopted):
    document, section = adopted.document, adopted.section
    history_links = (
        reverse("drafting:document-changes", args=[document.slug]),
        reverse("drafting:document-exports", args=[document.slug]),
        reverse("drafting:section-history", args=[section.pk]),
    )
    client.force_login(adopted.users["norole"])
    page = client.get(document.get_absolute_url()).content.decode()
    page += client.get(section.get_absolute_url()).content.decode()
    assert not [url for url in history_links if f'href="{url}"' in page]
    client.force_login(adopted.users["observer"])
    page = client.get(document.get_absolute_url()).content.decode()
    page += client.get(section.get_absolute_url()).content.decode()
    assert all(f'href="{url}"' in page for url in history_links)
