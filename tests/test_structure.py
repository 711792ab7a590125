"""Structure and state writes: every action holds its own rules, refuses stale pages, and
keeps the numbers of agreed text the secretariat's call. Races run deterministically.

The actions are called directly here as well as through the views: a management
command, an import or a future API gets exactly the same refusals.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from drafting import actions, workflow
from drafting.history import stamp
from drafting.models import Amendment, Document, ExpertProfile, Practice, ReviewMeeting, Section
from tests.conftest import NOT_AGREED, agree_all, login, make_document, make_section, make_user
from tests.test_permissions_matrix import history_rows

S, D = Section.Status, Document.Status
Role = ExpertProfile.Role


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ordered(document) -> list[Section]:
    return list(Section.objects.filter(document=document).order_by("position", "id"))


def practices_of(section) -> list[Practice]:
    return list(Practice.objects.filter(section=section).order_by("position", "id"))


def headings(document) -> list[str]:
    """Every practice heading in document order: what the numbers are derived from."""
    return [
        p.heading
        for p in Practice.objects.filter(section__document=document).order_by(
            "section__position", "section_id", "position", "id"
        )
    ]


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _plenary(document, *, by) -> ReviewMeeting:
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.MINISTERIAL,
        title="Ministerial plenary",
        starts_on=date(2018, 9, 26),
        ends_on=date(2018, 9, 27),
    )
    stamp(meeting, by=by, reason="Test meeting.")
    meeting.save()
    return meeting


STATES = ["drafting", "in_review", "approved", "final", "submitted", "adopted"]


@dataclass
class World:
    """Three sections A, B, C of two practices each, in a given state of the document:

    drafting   the document and A, B, C in drafting
    in_review  the document and A, B, C in review
    approved   the document in review; B approved, A and C back in drafting
    final, submitted, adopted   every section approved; the document so far along
    """

    document: Document
    a: Section
    b: Section
    c: Section
    users: dict


def build(state: str) -> World:
    secretariat = make_user(Role.SECRETARIAT)
    users = {
        "observer": make_user(Role.OBSERVER),
        "expert": make_user(Role.EXPERT),
        "secretariat": secretariat,
    }
    document = make_document(by=secretariat, sections=3, practices=2)
    a, b, c = ordered(document)
    if state != "drafting":
        actions.open_document_review(document.pk, by=secretariat)
        for section in (a, b, c):
            actions.request_review(section.pk, by=secretariat)
    if state not in {"drafting", "in_review"}:
        actions.approve_section(b.pk, by=secretariat, not_agreed_reason=NOT_AGREED)
    if state == "approved":
        for section in (a, c):
            actions.return_section_to_drafting(section.pk, by=secretariat, reason="More work.")
    if state in {"final", "submitted", "adopted"}:
        for section in (a, c):
            actions.approve_section(section.pk, by=secretariat, not_agreed_reason=NOT_AGREED)
        actions.finalise_document(document.pk, by=secretariat)
    if state in {"submitted", "adopted"}:
        plenary = _plenary(document, by=secretariat)
        actions.submit_document(document.pk, by=secretariat, meeting=plenary)
    if state == "adopted":
        actions.adopt_document(document.pk, by=secretariat, adopted_on=timezone.localdate())
    return World(fresh(document), fresh(a), fresh(b), fresh(c), users)


# --- 1. The rules hold when the actions are called directly -------------------------------
# Each action is called as each role in each state of the document, every call in a
# savepoint that is rolled back. "ok" = done and recorded; "403" = PermissionDenied
# and nothing recorded. Observers are refused everything.

ALL_OPEN = "drafting:ok in_review:ok approved:ok final:403 submitted:403 adopted:403"
EDIT_A = "drafting:ok in_review:sec approved:ok final:403 submitted:403 adopted:403"

DIRECT = {
    # Structure is open until the document is final; an empty section renumbers nothing.
    "create a section": (
        lambda w, u: actions.create_section(w.document.pk, by=u, title="New"),
        ALL_OPEN,
    ),
    # A moves below B: when B is approved that renumbers its agreed practices.
    "step A down past B": (
        lambda w, u: actions.step_section(w.a.pk, by=u, direction="down"),
        "drafting:ok in_review:ok approved:sec final:403 submitted:403 adopted:403",
    ),
    # Moving B itself: when approved, only the secretariat.
    "step B up": (
        lambda w, u: actions.step_section(w.b.pk, by=u, direction="up"),
        "drafting:ok in_review:ok approved:sec final:403 submitted:403 adopted:403",
    ),
    "move section C first": (
        lambda w, u: actions.move_section(w.c.pk, by=u, first=True),
        "drafting:ok in_review:ok approved:sec final:403 submitted:403 adopted:403",
    ),
    # A practice from A to C passes over B.
    "move a practice from A to C": (
        lambda w, u: actions.move_practice(practices_of(w.a)[0].pk, by=u, section=w.c.pk),
        "drafting:ok in_review:sec approved:sec final:403 submitted:403 adopted:403",
    ),
    "move a practice within A": (
        lambda w, u: actions.move_practice(practices_of(w.a)[1].pk, by=u, first=True),
        EDIT_A,
    ),
    "step a practice within A": (
        lambda w, u: actions.step_practice(practices_of(w.a)[0].pk, by=u, direction="down"),
        EDIT_A,
    ),
    # Into an approved section: nobody, until it is reopened.
    "step A's last practice into B": (
        lambda w, u: actions.step_practice(practices_of(w.a)[1].pk, by=u, direction="down"),
        "drafting:ok in_review:sec approved:403 final:403 submitted:403 adopted:403",
    ),
    "add a practice to A": (
        lambda w, u: actions.create_practice(w.a.pk, by=u, heading="New"),
        EDIT_A,
    ),
    "add a practice to B": (
        lambda w, u: actions.create_practice(w.b.pk, by=u, heading="New"),
        "drafting:ok in_review:sec approved:403 final:403 submitted:403 adopted:403",
    ),
    "edit A's title": (
        lambda w, u: actions.update_section(
            w.a.pk, by=u, title="Renamed", introduction="", base_revision=w.a.revision
        ),
        EDIT_A,
    ),
    "edit a practice of A": (
        lambda w, u: actions.update_practice(
            practices_of(w.a)[0].pk, by=u, heading="Changed", body="", base_revision=1
        ),
        EDIT_A,
    ),
    "approve B": (
        lambda w, u: actions.approve_section(w.b.pk, by=u, not_agreed_reason=NOT_AGREED),
        # Only the secretariat; outside "in review" the state refuses it (ValidationError).
        "drafting:state in_review:sec approved:state final:state submitted:state adopted:403",
    ),
    "name a version": (
        lambda w, u: actions.name_version(w.document.pk, by=u, name="Draft 9"),
        "drafting:sec in_review:sec approved:sec final:sec submitted:sec adopted:403",
    ),
}


def _expected(spec: str, state: str, role: str) -> str:
    outcome = dict(part.split(":") for part in spec.split())[state]
    if role == "observer":
        return "403"
    if outcome == "sec":
        return "ok" if role == "secretariat" else "403"
    if outcome == "state":
        return "invalid" if role == "secretariat" else "403"
    return outcome


def _attempt(call, world: World, user) -> tuple[str, int]:
    with transaction.atomic():
        before = history_rows()
        try:
            call(world, user)
            outcome = "ok"
        except PermissionDenied:
            outcome = "403"
        except ValidationError:
            outcome = "invalid"
        written = history_rows() - before
        transaction.set_rollback(True)
    return outcome, written


DIRECT_CASES = [(name, state) for name in DIRECT for state in STATES]


@pytest.mark.parametrize(("name", "state"), DIRECT_CASES, ids=[f"{n}@{s}" for n, s in DIRECT_CASES])
def test_actions_called_directly_enforce_the_rules(db, name, state):
    call, spec = DIRECT[name]
    world = build(state)
    for role, user in world.users.items():
        outcome, written = _attempt(call, world, user)
        expected = _expected(spec, state, role)
        assert outcome == expected, f"{name} as {role} while {state}: {outcome}"
        assert (written > 0) == (outcome == "ok"), f"{name} as {role} while {state}: {written}"


def test_nothing_changes_in_an_adopted_document_whoever_calls(db):
    world = build("adopted")
    practice = practices_of(world.a)[0]
    secretariat = world.users["secretariat"]
    before = history_rows()
    for attempt in [
        lambda: actions.move_section(world.c.pk, by=secretariat, first=True),
        lambda: actions.step_practice(practice.pk, by=secretariat, direction="down"),
        lambda: actions.move_practice(practice.pk, by=secretariat, section=world.c.pk),
        lambda: actions.reopen_section(world.a.pk, by=secretariat, reason="Late change."),
        lambda: actions.add_comment(world.a.pk, by=secretariat, body="Too late?"),
        lambda: actions.save_meeting(
            world.document.pk,
            by=secretariat,
            fields={
                "kind": ReviewMeeting.Kind.WORKSHOP,
                "status": ReviewMeeting.Status.PLANNED,
                "title": "After the fact",
                "theme": "",
                "city": "",
                "starts_on": date(2099, 1, 1),
                "ends_on": date(2099, 1, 2),
                "outcome": "",
            },
            participants=[],
            agenda=[],
        ),
    ]:
        with pytest.raises(PermissionDenied):
            attempt()
    assert history_rows() == before


# --- 2. Agreed text keeps its numbers unless the secretariat decides ----------------------


def test_expert_cannot_move_a_drafting_section_ahead_of_an_approved_one(db):
    world = build("approved")
    expert = world.users["expert"]
    before = headings(world.document)
    with pytest.raises(PermissionDenied) as refused:
        actions.move_section(world.c.pk, by=expert, first=True)
    assert str(refused.value) == (
        "This would renumber the agreed practices of the approved section “Section 2”; "
        "only the secretariat can change the numbers of agreed text."
    )
    assert headings(world.document) == before


def test_expert_cannot_move_an_approved_section_and_is_told_why(db):
    world = build("approved")
    with pytest.raises(PermissionDenied, match="“Section 2” is approved: its place and the"):
        actions.step_section(world.b.pk, by=world.users["expert"], direction="down")


def test_moving_an_empty_section_past_an_approved_one_renumbers_nothing_and_is_allowed(db):
    world = build("approved")
    expert = world.users["expert"]
    empty = make_section(world.document, by=expert, title="Annex")
    before = headings(world.document)
    actions.move_section(empty.pk, by=expert, first=True, reason="Annex first.")
    assert ordered(world.document)[0] == empty
    assert headings(world.document) == before


def test_expert_cannot_move_a_practice_across_an_approved_section(db):
    world = build("approved")
    practice = practices_of(world.a)[0]
    with pytest.raises(PermissionDenied, match="approved section “Section 2”"):
        actions.move_practice(practice.pk, by=world.users["expert"], section=world.c.pk)
    assert fresh(practice).section_id == world.a.pk


def test_secretariat_decides_a_renumbering_and_the_history_says_who_and_why(db):
    world = build("approved")
    secretariat = world.users["secretariat"]
    practice = practices_of(world.a)[0]
    moved = actions.move_practice(
        practice.pk, by=secretariat, section=world.c.pk, reason="Agreed in Rabat."
    )
    assert (moved.section_id, moved.revision) == (world.c.pk, 2)
    row = moved.history.latest()
    assert (row.history_user, row.history_change_reason) == (secretariat, "Agreed in Rabat.")
    section = actions.step_section(world.b.pk, by=secretariat, direction="up")
    assert ordered(world.document)[0] == section
    assert section.status == S.APPROVED  # the approval stands


def test_nobody_moves_a_practice_out_of_an_approved_section(db):
    world = build("approved")
    practice = practices_of(world.b)[0]
    for user in (world.users["expert"], world.users["secretariat"]):
        with pytest.raises(PermissionDenied, match="must be reopened"):
            actions.step_practice(practice.pk, by=user, direction="up")


def test_document_page_offers_only_the_moves_each_user_may_make(client, db):
    world = build("approved")

    def buttons(user) -> dict[str, bool]:
        login(client, user)
        page = client.get(world.document.get_absolute_url()).content.decode()
        found = {}
        for section in (world.a, world.b, world.c):
            for way in ("up", "down"):
                label = f'aria-label="Move section {section.title} {way}"'
                at = page.index(label)
                found[f"{section.title} {way}"] = "disabled" not in page[at : page.index(">", at)]
        return found

    assert buttons(world.users["expert"]) == {
        "Section 1 up": False,  # already first
        "Section 1 down": False,  # would renumber the approved Section 2
        "Section 2 up": False,  # approved
        "Section 2 down": False,
        "Section 3 up": False,  # would renumber Section 2
        "Section 3 down": False,  # already last
    }
    assert buttons(world.users["secretariat"]) == {
        "Section 1 up": False,
        "Section 1 down": True,
        "Section 2 up": True,
        "Section 2 down": True,
        "Section 3 up": True,
        "Section 3 down": False,
    }
    login(client, world.users["expert"])
    page = client.get(world.document.get_absolute_url()).content.decode()
    assert "only the secretariat can change the numbers of agreed text" in page  # the tooltip


def test_move_page_offers_places_only_where_the_user_may_move_it(client, db):
    world = build("approved")
    practice = practices_of(world.a)[0]
    url = reverse("drafting:practice-move", args=[practice.pk])
    page = login(client, world.users["expert"]).get(url).content.decode()
    assert f'value="{world.a.pk}:first"' in page
    assert f'value="{world.b.pk}:first"' not in page  # approved
    assert f'value="{world.c.pk}:first"' not in page  # across the approved one
    assert "“Section 2” is approved" in page
    page = login(client, world.users["secretariat"]).get(url).content.decode()
    assert f'value="{world.c.pk}:first"' in page


def test_section_page_step_buttons_follow_the_neighbouring_sections(client, db):
    world = build("approved")
    login(client, world.users["expert"])
    page = client.get(world.a.get_absolute_url()).content.decode()

    def enabled(number: int, way: str) -> bool:
        at = page.index(f'aria-label="Move Good Practice {number} {way}"')
        return "disabled" not in page[at : page.index(">", at)]

    # Section 1 holds Good Practices 1 and 2; Section 2 after it is approved.
    assert (enabled(1, "up"), enabled(1, "down")) == (False, True)  # first of the document
    assert (enabled(2, "up"), enabled(2, "down")) == (True, False)  # not into Section 2


# --- 3. Moves are changes: they bump revisions and refuse stale pages -----------------------


@pytest.fixture
def three(secretariat):
    """One section of three practices, P1 P2 P3, all in drafting."""
    document = make_document(by=secretariat, sections=1, practices=3)
    return document, *practices_of(document.sections.get())


def _move_url(practice) -> str:
    return reverse("drafting:practice-move", args=[practice.pk])


def test_a_move_is_one_recorded_change_that_bumps_the_revision(expert, three):
    document, p1, p2, p3 = three
    moved = actions.move_practice(p3.pk, by=expert, first=True, seen_revision=1, reason="Key.")
    assert moved.revision == 2
    assert headings(document) == ["Practice 1.3", "Practice 1.1", "Practice 1.2"]
    assert [fresh(p).revision for p in (p1, p2)] == [1, 1]  # the others are not written
    row = moved.history.latest()
    assert (row.history_user, row.history_change_reason, row.revision) == (expert, "Key.", 2)


def test_a_stale_move_is_refused_in_words_and_changes_nothing(expert, other_expert, three):
    document, p1, p2, p3 = three
    actions.update_practice(
        p3.pk, by=other_expert, heading="Practice 1.3", body="New text.", base_revision=1
    )
    before = history_rows()
    with pytest.raises(actions.StaleRevision) as stale:
        actions.move_practice(p3.pk, by=expert, first=True, seen_revision=1)
    assert str(stale.value).startswith(
        "Good Practice 3 changed since you opened this page (now revision 2): last changed by "
        f"{other_expert.get_full_name()} ({other_expert.profile.delegation.name}); "
        "nothing was moved."
    )
    assert (stale.value.current.revision, stale.value.seen) == (2, 1)
    assert history_rows() == before
    assert headings(document) == ["Practice 1.1", "Practice 1.2", "Practice 1.3"]


def test_a_double_submitted_step_is_taken_once(client, expert, three):
    document, p1, p2, p3 = three
    login(client, expert)
    data = {"direction": "up", "seen_revision": 1}
    assert client.post(_move_url(p3), data).status_code == 302
    again = client.post(_move_url(p3), data)
    assert again.status_code == 409
    page = again.content.decode()
    assert "Good Practice 2 changed since you opened this page (now revision 2)" in page
    assert "nothing was moved" in page
    assert 'name="seen_revision" value="2"' in page  # the page now shows revision 2
    assert headings(document) == ["Practice 1.1", "Practice 1.3", "Practice 1.2"]
    assert fresh(p3).history.count() == 2  # added, moved once


def test_a_double_submitted_section_step_is_taken_once(client, expert, secretariat):
    document = make_document(by=secretariat, sections=3, practices=1)
    a, b, c = ordered(document)
    login(client, expert)
    url = reverse("drafting:section-move", args=[a.pk])
    data = {"direction": "down", "seen_revision": 1}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 409
    assert "Section “Section 1” changed since you opened this page" in again.content.decode()
    assert ordered(document) == [b, a, c]
    assert fresh(a).revision == 2


def test_a_section_step_asks_first_and_names_the_numbers_it_changes(client, expert, secretariat):
    document = make_document(by=secretariat, sections=3, practices=2)
    a, b, c = ordered(document)
    login(client, expert)
    doc_page = client.get(document.get_absolute_url()).content.decode()
    url = reverse("drafting:section-move", args=[b.pk])
    # The document page's ↓ opens the question; it moves nothing by itself.
    assert f'<form method="get" action="{url}"' in doc_page
    before = history_rows()
    asked = client.get(url, {"direction": "down", "seen_revision": 1})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "This moves “Section 2” below “Section 3” and renumbers Good Practices 3–6." in page
    assert 'name="seen_revision" value="1"' in page
    assert history_rows() == before and ordered(document) == [a, b, c]
    assert client.post(url, {"direction": "down", "seen_revision": 1}).status_code == 302
    assert ordered(document) == [a, c, b]
    # Asked from a page shown before that move, the step is refused as stale.
    stale = client.post(url, {"direction": "up", "seen_revision": 1})
    assert stale.status_code == 409 and ordered(document) == [a, c, b]


def test_a_step_that_cannot_be_taken_is_explained_not_offered(client, expert, secretariat):
    document = make_document(by=secretariat, sections=2, practices=1)
    first, _second = ordered(document)
    login(client, expert)
    url = reverse("drafting:section-move", args=[first.pk])
    page = client.get(url, {"direction": "up"}).content.decode()
    assert "already the first section" in page and "This moves" not in page
    assert ">Move up</button>" not in page
    forged = client.get(url, {"direction": "sideways", "seen_revision": "x"})
    assert forged.status_code == 200 and "This moves" not in forged.content.decode()


def test_a_move_without_the_revision_seen_is_a_form_error(client, expert, three):
    document, p1, p2, p3 = three
    response = login(client, expert).post(_move_url(p3), {"direction": "up"})
    assert response.status_code == 422
    assert "Reload the page and try again." in response.content.decode()
    assert fresh(p3).revision == 1


@pytest.mark.parametrize("how", ["deleted", "moved away"])
def test_a_place_that_no_longer_exists_is_a_form_error(client, expert, secretariat, how):
    document = make_document(by=secretariat, sections=2, practices=2)
    first, second = ordered(document)
    anchor, mover = practices_of(first)
    anchor_pk = anchor.pk  # delete() forgets it
    if how == "deleted":
        actions.delete_practice(anchor, by=secretariat, reason="Merged.")
    else:
        actions.move_practice(anchor.pk, by=secretariat, section=second.pk)
    before = history_rows()
    response = login(client, expert).post(
        _move_url(mover), {"target": f"{first.pk}:{anchor_pk}", "seen_revision": 1}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "The practice you chose to place it after is no longer in “Section 1”" in page
    assert history_rows() == before


def test_adding_after_a_practice_that_has_gone_is_a_form_error(client, expert, three):
    document, p1, p2, p3 = three
    section, gone_pk = p1.section, p2.pk
    actions.delete_practice(p2, by=expert)
    response = login(client, expert).post(
        reverse("drafting:practice-add", args=[section.pk]),
        {"heading": "After P2", "body": "", "after": gone_pk, "reason": ""},
    )
    assert response.status_code == 422
    assert "no longer in “Section 1”" in response.content.decode()
    assert not Practice.objects.filter(heading="After P2").exists()


def test_a_section_step_taken_twice_from_one_page_is_refused(client, secretariat, document):
    section = ordered(document)[0]
    actions.request_review(section.pk, by=secretariat)
    agree_all(section, by=secretariat)  # so the approval note is the secretariat's alone
    seen = fresh(section).revision
    login(client, secretariat)
    url = reverse("drafting:section-approve", args=[section.pk])
    assert client.post(url, {"note": "Agreed.", "seen_revision": seen}).status_code == 302
    again = client.post(url, {"note": "Agreed again.", "seen_revision": seen})
    assert again.status_code == 409
    assert "it was not approved" in again.content.decode()
    section = fresh(section)
    assert (section.status, section.approval_note) == (S.APPROVED, "Agreed.")


def test_section_review_buttons_carry_the_revision_the_page_shows(client, expert, document):
    section = ordered(document)[0]
    url = reverse("drafting:section-request-review", args=[section.pk])
    page = login(client, expert).get(section.get_absolute_url()).content.decode()
    assert f'href="{url}?next=' in page  # sending for review asks first, on its own page
    asked = client.get(url).content.decode()
    assert "can no longer be edited directly" in asked
    form = asked[asked.index('<form method="post" class="stacked">') :]
    assert f'name="seen_revision" value="{section.revision}"' in form[: form.index("</form>")]


# --- 4. Races: the competing write lands inside the other write's window --------------------
# Each race patches the action a view calls so that, after the view has loaded the
# rows (and the user's page showed them), the other person's change commits first.


def _between(monkeypatch, name: str, competing) -> None:
    """Make ``actions.<name>`` run ``competing()`` first, as if it had just committed."""
    real = getattr(actions, name)

    def late(*args, **kwargs):
        competing()
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, name, late)


def test_edit_lands_while_a_move_is_on_its_way(client, monkeypatch, expert, secretariat, three):
    """The issue's example: the move used to save the practice as loaded, undoing the edit."""
    document, p1, p2, p3 = three
    _between(
        monkeypatch,
        "move_practice",
        lambda: actions.update_practice(
            p3.pk, by=expert, heading="Practice 1.3", body="Expert's new text.", base_revision=1
        ),
    )
    response = login(client, secretariat).post(
        _move_url(p3), {"target": f"{p1.section_id}:first", "seen_revision": 1}
    )
    assert response.status_code == 409
    assert "nothing was moved" in response.content.decode()
    p3 = fresh(p3)
    assert (p3.body, p3.revision) == ("Expert's new text.", 2)
    assert headings(document)[-1] == "Practice 1.3"
    assert list(
        p3.history.order_by("history_date", "history_id").values_list("revision", flat=True)
    ) == [1, 2]


def test_move_lands_while_an_edit_is_on_its_way(client, monkeypatch, expert, secretariat, three):
    document, p1, p2, p3 = three
    _between(
        monkeypatch,
        "update_practice",
        lambda: actions.move_practice(p3.pk, by=secretariat, first=True, seen_revision=1),
    )
    response = login(client, expert).post(
        reverse("drafting:practice-edit", args=[p3.pk]),
        {"heading": "Practice 1.3", "body": "Edited.", "base_revision": 1, "reason": ""},
    )
    assert response.status_code == 409  # the text conflict page: the expert's words kept
    assert "Edited." in response.content.decode()
    p3 = fresh(p3)
    assert (p3.body, p3.revision) == ("Body of 1.3.", 2)
    assert headings(document)[0] == "Practice 1.3"  # the move stands


def test_approval_lands_while_a_section_move_is_on_its_way(
    client, monkeypatch, expert, secretariat
):
    """The issue's second example: the move used to save the section as loaded, in review."""
    document = make_document(by=secretariat, sections=2, practices=1)
    first, second = ordered(document)
    actions.request_review(second.pk, by=expert)
    agree_all(second, by=secretariat)  # so the approval note is the secretariat's alone
    seen = fresh(second).revision
    _between(
        monkeypatch,
        "step_section",
        lambda: actions.approve_section(second.pk, by=secretariat, note="Agreed."),
    )
    url = reverse("drafting:section-move", args=[second.pk])
    # The expert may not move it any more: it is approved now.
    response = login(client, expert).post(url, {"direction": "up", "seen_revision": seen})
    assert response.status_code == 403
    assert "is approved" in response.content.decode()
    # The secretariat, from the same stale page, is told it changed.
    monkeypatch.undo()
    response = login(client, secretariat).post(url, {"direction": "up", "seen_revision": seen})
    assert response.status_code == 409
    assert "Section “Section 2” changed since you opened this page" in response.content.decode()
    second = fresh(second)
    assert (second.status, second.approved_by, second.approval_note) == (
        S.APPROVED,
        secretariat,
        "Agreed.",
    )
    assert ordered(document) == [first, second]


def test_accepting_an_amendment_while_an_edit_lands(
    client, monkeypatch, expert, secretariat, three
):
    document, p1, p2, p3 = three
    amendment = actions.propose_change(
        p1.pk, by=expert, heading="Practice 1.1", body="Proposed.", rationale="Clearer."
    )
    other = make_user(Role.EXPERT)
    _between(
        monkeypatch,
        "accept_amendment",
        lambda: actions.update_practice(
            p1.pk, by=other, heading="Practice 1.1", body="Edited meanwhile.", base_revision=1
        ),
    )
    response = login(client, secretariat).post(
        reverse("drafting:amendment-accept", args=[amendment.pk]),
        {"note": "", "heading": "Practice 1.1", "body": "Proposed.", "seen_revision": 1},
    )
    assert response.status_code == 409
    assert (fresh(p1).body, fresh(p1).revision) == ("Edited meanwhile.", 2)
    assert fresh(amendment).status == Amendment.Status.OPEN


def test_an_edit_while_an_amendment_is_accepted(client, monkeypatch, expert, secretariat, three):
    document, p1, p2, p3 = three
    amendment = actions.propose_change(
        p1.pk, by=expert, heading="Practice 1.1", body="Proposed.", rationale="Clearer."
    )
    _between(
        monkeypatch,
        "update_practice",
        lambda: actions.accept_amendment(amendment.pk, by=secretariat, seen_revision=1),
    )
    response = login(client, expert).post(
        reverse("drafting:practice-edit", args=[p1.pk]),
        {"heading": "Practice 1.1", "body": "My own edit.", "base_revision": 1, "reason": ""},
    )
    assert response.status_code == 409
    assert (fresh(p1).body, fresh(p1).revision) == ("Proposed.", 2)
    assert fresh(amendment).status == Amendment.Status.ACCEPTED


# --- On PostgreSQL: the second writer really waits for the first one's row lock -------------


def _waiting_for_a_lock(pid: int) -> bool:
    """Whether backend ``pid`` is blocked on a lock, asked on a connection of our own."""
    probe = connections.create_connection("default")
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
            return cursor.fetchone()[0] > 0
    finally:
        probe.close()


@pytest.mark.django_db(transaction=True)
def test_an_edit_blocked_by_a_move_then_finds_it_stale(monkeypatch, expert, secretariat):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks across connections are exercised on PostgreSQL (CI's second pass).")
    document = make_document(by=secretariat, sections=1, practices=3)
    p1, p2, p3 = practices_of(document.sections.get())
    editor: dict = {}
    started = threading.Event()

    def edit() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                editor["pid"] = cursor.fetchone()[0]
            started.set()
            actions.update_practice(
                p3.pk, by=expert, heading="Practice 1.3", body="Expert's text.", base_revision=1
            )
            editor["outcome"] = "saved"
        except actions.StaleRevision as stale:
            editor["outcome"] = f"stale at {stale.current.revision}"
        finally:
            started.set()
            connections.close_all()

    thread = threading.Thread(target=edit)
    real = workflow.renumbered_by_practice_move

    def holding_the_locks(*args, **kwargs):
        # The move holds its locks here; the edit starts and must wait for them.
        thread.start()
        assert started.wait(30)
        deadline = time.monotonic() + 30
        while not _waiting_for_a_lock(editor["pid"]):
            assert time.monotonic() < deadline and thread.is_alive(), editor
            time.sleep(0.01)
        return real(*args, **kwargs)

    monkeypatch.setattr(workflow, "renumbered_by_practice_move", holding_the_locks)
    actions.move_practice(p3.pk, by=secretariat, first=True, seen_revision=1)
    thread.join(60)
    assert editor["outcome"] == "stale at 2"
    p3 = fresh(p3)
    assert (p3.body, p3.revision) == ("Body of 1.3.", 2)
    assert headings(document)[0] == "Practice 1.3"
    assert p3.history.filter(history_type="~").count() == 1
