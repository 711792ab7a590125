"""Review meetings: organising them, the draft as each meeting saw it, tagging, permissions."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drafting import actions, reads
from drafting.history import stamp
from drafting.models import Delegation, Practice, ReviewMeeting, Version
from tests.conftest import login, make_delegation, make_document, make_practice, make_user

TODAY = timezone.localdate


def _meeting(document, by, *, days_ago: int = 10, length: int = 1, **fields) -> ReviewMeeting:
    start = TODAY() - timedelta(days=days_ago)
    values = {
        "kind": ReviewMeeting.Kind.REVIEW,
        "status": ReviewMeeting.Status.HELD if days_ago > 0 else ReviewMeeting.Status.PLANNED,
        "title": "Review meeting",
        "city": "Rabat",
        "starts_on": start,
        "ends_on": start + timedelta(days=length - 1),
    }
    values.update(fields)
    meeting = ReviewMeeting(document=document, **values)
    stamp(meeting, by=by, reason="Planned.")
    meeting.save()
    return meeting


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _form(meeting_or_none=None, **overrides):
    data = {
        "kind": ReviewMeeting.Kind.WORKSHOP,
        "status": ReviewMeeting.Status.PLANNED,
        "title": "Expert workshop on detection",
        "theme": "Early signs",
        "city": "Valletta",
        "starts_on": (TODAY() + timedelta(days=30)).isoformat(),
        "ends_on": (TODAY() + timedelta(days=31)).isoformat(),
        "outcome": "",
        "reason": "",
    }
    data.update(overrides)
    return data


# ---- reconstruction at the meeting's boundaries -------------------------------------------------


@pytest.fixture
def scripted(secretariat, expert):
    """A document whose practices are created, edited, moved and deleted around a meeting."""
    document = make_document(
        by=secretariat, sections=2, practices=2, when=timezone.now() - timedelta(days=30)
    )
    meeting = _meeting(document, secretariat, days_ago=10)
    day = meeting.starts_on
    s1, s2 = document.sections.order_by("position")
    edited = Practice.objects.get(heading="Practice 1.1")
    moved = Practice.objects.get(heading="Practice 2.2")
    deleted = Practice.objects.get(heading="Practice 1.2")

    # Before the meeting: a new practice.
    make_practice(s1, by=expert, heading="Added before", when=_at(day - timedelta(days=2), 9))
    # During the meeting: an edit tagged with it.
    edited.heading = "Edited in the room"
    edited.revision += 1
    stamp(edited, by=secretariat, reason="Agreed in Rabat.", meeting=meeting, when=_at(day, 11))
    edited.save()
    # After the meeting: a move, a deletion and a new practice.
    moved.section, moved.position = s1, 1
    stamp(moved, by=expert, reason="Moved up.", when=_at(day + timedelta(days=2), 10))
    moved.save()
    stamp(deleted, by=expert, reason="Merged.", when=_at(day + timedelta(days=3), 10))
    deleted.delete()
    make_practice(s2, by=expert, heading="Added after")
    return document, meeting


def test_meeting_page_shows_the_draft_as_it_opened(scripted):
    document, meeting = scripted
    page = reads.meeting_page(meeting)
    headings = [(p.number, p.heading) for p in page.snapshot.practices]
    assert headings == [
        (1, "Practice 1.1"),
        (2, "Practice 1.2"),  # deleted since, still there at the opening
        (3, "Added before"),
        (4, "Practice 2.1"),
        (5, "Practice 2.2"),  # moved since, still in its old place
    ]
    assert "Added after" not in [h for _, h in headings]


def test_changes_during_and_since_the_meeting(scripted):
    document, meeting = scripted
    page = reads.meeting_page(meeting)
    during = {c.practice_id: c for c in page.during.changes}
    assert [c.after.heading for c in during.values()] == ["Edited in the room"]
    assert "<ins>" in str(next(iter(during.values())).heading_redline)

    since = page.since.changes
    kinds = {(c.after or c.before).heading: (c.added, c.deleted, c.moved) for c in since}
    assert kinds["Practice 1.2"] == (False, True, False)
    assert kinds["Added after"] == (True, False, False)
    assert kinds["Practice 2.2"][2] is True
    assert "Edited in the room" not in kinds  # unchanged since the close


def test_tagged_changes_and_decisions_on_the_meeting_page(client, scripted, observer):
    document, meeting = scripted
    response = login(client, observer).get(reverse("drafting:meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Changes recorded as made at this meeting" in page
    assert "Edited in the room" in page and "Agreed in Rabat." in page
    assert "The draft as it stood when the meeting opened" in page


@pytest.mark.parametrize("practices", [2, 30])
def test_meeting_page_query_count_is_fixed(
    practices, client, secretariat, expert, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=3, practices=practices)
    meeting = _meeting(document, secretariat, days_ago=0)
    for p in Practice.objects.filter(section__document=document)[:20]:
        p.body += " more"
        p.revision += 1
        stamp(p, by=expert, meeting=meeting)
        p.save()
    login(client, expert)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("drafting:meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200


# ---- tagging ------------------------------------------------------------------------------------


def test_secretariat_edit_defaults_to_the_meeting_running_today(client, secretariat, document):
    meeting = _meeting(document, secretariat, days_ago=0, title="Review meeting in Rabat")
    practice = Practice.objects.filter(section__document=document).first()
    login(client, secretariat)
    form = client.get(reverse("drafting:practice-edit", args=[practice.pk])).content.decode()
    assert f'<option value="{meeting.pk}" selected>' in form
    response = client.post(
        reverse("drafting:practice-edit", args=[practice.pk]),
        {
            "heading": "Agreed text",
            "body": "",
            "base_revision": 1,
            "reason": "",
            "meeting": meeting.pk,
        },
    )
    assert response.status_code == 302
    assert practice.history.latest().history_meeting_id == meeting.pk


def test_experts_cannot_tag_their_edits(client, expert, secretariat, document):
    meeting = _meeting(document, secretariat, days_ago=0)
    practice = Practice.objects.filter(section__document=document).first()
    login(client, expert)
    assert (
        "Decided at"
        not in client.get(reverse("drafting:practice-edit", args=[practice.pk])).content.decode()
    )
    client.post(
        reverse("drafting:practice-edit", args=[practice.pk]),
        {"heading": "Mine", "body": "", "base_revision": 1, "reason": "", "meeting": meeting.pk},
    )
    assert practice.history.latest().history_meeting_id is None


def test_tag_must_be_a_meeting_of_this_document(client, secretariat, document):
    other = _meeting(make_document(by=secretariat), secretariat, days_ago=0)
    practice = Practice.objects.filter(section__document=document).first()
    response = login(client, secretariat).post(
        reverse("drafting:practice-edit", args=[practice.pk]),
        {"heading": "X", "body": "", "base_revision": 1, "reason": "", "meeting": other.pk},
    )
    assert response.status_code == 422
    practice.refresh_from_db()
    assert practice.revision == 1


# ---- organising meetings ------------------------------------------------------------------------


def test_secretariat_creates_a_meeting_with_participants_and_agenda(client, secretariat, document):
    morocco, un = (
        make_delegation(name="Morocco", code="MA"),
        make_delegation(
            name="United Nations", code="UN", kind=Delegation.Kind.PARTNER_ORGANISATION
        ),
    )
    s1, s2 = document.sections.order_by("position")
    response = login(client, secretariat).post(
        reverse("drafting:meeting-create", args=[document.slug]),
        _form(participants=[morocco.pk, un.pk], agenda=[s2.pk, s1.pk]),
    )
    assert response.status_code == 302
    meeting = ReviewMeeting.objects.get(title="Expert workshop on detection")
    assert set(meeting.participants.all()) == {morocco, un}
    assert [i.section for i in meeting.agenda.order_by("position")] == [s1, s2]  # document order
    row = meeting.history.earliest()
    assert (row.history_user, row.history_type) == (secretariat, "+")


def test_editing_the_agenda_writes_only_what_changes(client, secretariat, document):
    s1, s2 = document.sections.order_by("position")
    login(client, secretariat)
    client.post(
        reverse("drafting:meeting-create", args=[document.slug]), _form(agenda=[s1.pk, s2.pk])
    )
    meeting = ReviewMeeting.objects.get()
    response = client.post(
        reverse("drafting:meeting-edit", args=[meeting.pk]),
        _form(agenda=[s2.pk], seen_revision=meeting.revision),
    )
    assert response.status_code == 302
    assert [i.section for i in meeting.agenda.all()] == [s2]
    removed = meeting.agenda.model.history.filter(history_type="-")
    assert [r.section_id for r in removed] == [s1.pk]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"starts_on": "2030-05-10", "ends_on": "2030-05-09"},
            "ends_on",
            "The meeting cannot end before it starts.",
        ),
        (
            {"starts_on": "2018-06-25", "ends_on": "2018-06-25", "status": "planned"},
            "status",
            "mark it as held (or cancelled), not upcoming",
        ),
        ({"title": ""}, "title", "Give the meeting a title."),
        ({"starts_on": "not a date"}, "starts_on", "Enter a date."),
    ],
)
def test_bad_meeting_input_gets_a_clear_error(
    overrides, field, message, client, secretariat, document
):
    response = login(client, secretariat).post(
        reverse("drafting:meeting-create", args=[document.slug]), _form(**overrides)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ReviewMeeting.objects.exists()


def test_agenda_sections_from_another_document_are_refused(client, secretariat, document):
    stranger = make_document(by=secretariat, title="Other").sections.first()
    response = login(client, secretariat).post(
        reverse("drafting:meeting-create", args=[document.slug]), _form(agenda=[stranger.pk])
    )
    assert response.status_code == 422
    assert f"Not a section of this document: {stranger.title}" in response.content.decode()
    assert not ReviewMeeting.objects.exists()


def test_the_target_plenary_must_stay_ministerial(client, secretariat, document):
    plenary = _meeting(document, secretariat, days_ago=-60, kind=ReviewMeeting.Kind.MINISTERIAL)
    document.target_meeting = plenary
    stamp(document, by=secretariat)
    document.save()
    response = login(client, secretariat).post(
        reverse("drafting:meeting-edit", args=[plenary.pk]),
        _form(
            kind=ReviewMeeting.Kind.REVIEW,
            starts_on=plenary.starts_on.isoformat(),
            ends_on=plenary.ends_on.isoformat(),
            seen_revision=plenary.revision,
        ),
    )
    assert response.status_code == 422
    assert "must stay a ministerial plenary" in response.content.decode()
    plenary.refresh_from_db()
    assert plenary.kind == ReviewMeeting.Kind.MINISTERIAL


def test_circulate_for_meeting_names_a_version_in_one_step(client, secretariat, document):
    meeting = _meeting(document, secretariat, days_ago=-7, title="Rabat review meeting")
    login(client, secretariat)
    url = reverse("drafting:meeting-circulate", args=[meeting.pk])
    assert client.post(url, {"name": ""}).status_code == 302
    assert client.post(url, {"name": ""}).status_code == 302
    names = list(Version.objects.filter(meeting=meeting).values_list("name", flat=True))
    assert names[0] == "Draft for the Rabat review meeting"
    assert names[1].startswith("Draft for the Rabat review meeting (")
    assert Version.history.filter(history_user=secretariat).count() == 2


# ---- who may do what ----------------------------------------------------------------------------


def test_meeting_permissions(client, document, secretariat, expert, observer):
    meeting = _meeting(document, secretariat, days_ago=-5)
    reads = [
        reverse("drafting:meeting-list", args=[document.slug]),
        reverse("drafting:meeting-detail", args=[meeting.pk]),
    ]
    writes = [
        ("get", reverse("drafting:meeting-create", args=[document.slug]), {}),
        ("post", reverse("drafting:meeting-create", args=[document.slug]), _form()),
        ("post", reverse("drafting:meeting-edit", args=[meeting.pk]), _form()),
        ("post", reverse("drafting:meeting-circulate", args=[meeting.pk]), {"name": ""}),
    ]
    for url in reads:
        assert client.get(url).status_code == 302
    for method, url, data in writes:
        assert getattr(client, method)(url, data)["Location"].startswith(reverse("login"))
    for user in (observer, expert):
        login(client, user)
        for url in reads:
            assert client.get(url).status_code == 200
        for method, url, data in writes:
            response = getattr(client, method)(url, data)
            assert response.status_code == 403
            assert "Only the secretariat organises meetings." in response.content.decode()
    assert ReviewMeeting.objects.count() == 1
    assert not Version.objects.exists()
    assert client.get(reverse("drafting:meeting-circulate", args=[meeting.pk])).status_code == 405


def test_participants_see_their_meetings_on_the_home_page(client, secretariat, document):
    delegation = make_delegation(name="Netherlands", code="NL")
    participant = make_user("expert", delegation=delegation)
    outsider = make_user("expert")
    meeting = _meeting(document, secretariat, days_ago=-20, title="Workshop in The Hague")
    meeting.participants.add(delegation)
    page = login(client, participant).get(reverse("drafting:home")).content.decode()
    assert "Meetings Netherlands takes part in" in page
    assert "Workshop in The Hague" in page and "upcoming" in page
    page = login(client, outsider).get(reverse("drafting:home")).content.decode()
    assert "Workshop in The Hague" not in page


def test_timeline_marks_the_next_meeting_and_the_target(client, secretariat, observer, document):
    _meeting(document, secretariat, days_ago=40, title="Launch meeting")
    _meeting(document, secretariat, days_ago=-10, title="Review meeting", status="planned")
    plenary = _meeting(
        document,
        secretariat,
        days_ago=-90,
        title="Ministerial plenary",
        kind=ReviewMeeting.Kind.MINISTERIAL,
        status="planned",
    )
    document.target_meeting = plenary
    stamp(document, by=secretariat)
    document.save()
    page = (
        login(client, observer)
        .get(reverse("drafting:meeting-list", args=[document.slug]))
        .content.decode()
    )
    timeline = page[page.index('<ol class="timeline">') :]
    assert timeline.index("Launch meeting") < timeline.index("Review meeting")
    assert timeline.index("Review meeting") < timeline.index("Ministerial plenary")
    assert "Next meeting" in page
    assert "Target for adoption" in page


def test_amendment_decided_at_the_running_meeting_shows_on_its_page(
    client, expert, secretariat, document
):

    meeting = _meeting(document, secretariat, days_ago=0, title="Review meeting today")
    practice = Practice.objects.filter(section__document=document).first()
    amendment = actions.propose_change(
        practice, by=expert, heading="Sharper heading", body=practice.body, rationale="Clearer."
    )
    login(client, secretariat)
    url = reverse("drafting:amendment-accept", args=[amendment.pk])
    assert f'<option value="{meeting.pk}" selected>' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "note": "Agreed in the room.",
            "heading": "Sharper heading",
            "body": practice.body,
            "seen_revision": practice.revision,
            "meeting": meeting.pk,
        },
    )
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.decided_at_meeting == meeting
    page = client.get(reverse("drafting:meeting-detail", args=[meeting.pk])).content.decode()
    assert f"Amendment #{amendment.pk}</a> by {expert.profile.delegation.name}" in page
    assert "Agreed in the room." in page


def test_impossible_ids_in_the_meeting_form_are_form_errors(client, secretariat, document):
    login(client, secretariat)
    for bad in ("99999999999999999999999", "-1", "x"):
        response = client.post(
            reverse("drafting:meeting-create", args=[document.slug]),
            _form(participants=[bad], agenda=[bad]),
        )
        assert response.status_code == 422, bad
        assert "is not a valid value" in response.content.decode()
    assert not ReviewMeeting.objects.exists()


def test_overlong_outcome_notes_are_refused_next_to_the_field(client, secretariat, document):
    from drafting.forms.common import BODY_LIMIT

    meeting = _meeting(document, secretariat)
    login(client, secretariat)
    url = reverse("drafting:meeting-edit", args=[meeting.pk])
    response = client.post(url, _form(outcome="x" * (BODY_LIMIT + 1), seen_revision=1))
    assert response.status_code == 422
    assert f"Keep the outcome notes to {BODY_LIMIT:,} characters" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == "" and meeting.history.count() == 1
    assert client.post(url, _form(outcome="x" * BODY_LIMIT, seen_revision=1)).status_code == 302
    meeting.refresh_from_db()
    assert len(meeting.outcome) == BODY_LIMIT


def test_meeting_page_is_refused_to_an_account_without_a_role(client, secretariat, observer):
    """The page shows the draft, redlines, comments and decisions: the review, not public text."""
    document = make_document(by=secretariat)
    meeting = _meeting(document, secretariat)
    url = reverse("drafting:meeting-detail", args=[meeting.pk])
    login(client, make_user(None))
    response = client.get(url)
    assert response.status_code == 403
    assert "drafting role" in response.content.decode()
    login(client, observer)
    assert client.get(url).status_code == 200


def test_two_secretariat_members_editing_a_meeting_cannot_blank_each_others_notes(
    client, secretariat, document
):
    """Issue 10: the form carries the revision it showed; a stale save is a conflict (409)."""
    colleague = make_user("secretariat")
    meeting = _meeting(document, secretariat)
    url = reverse("drafting:meeting-edit", args=[meeting.pk])
    login(client, secretariat)
    page = client.get(url).content.decode()
    assert 'name="seen_revision" value="1"' in page
    # The colleague saves the minutes from a form opened at the same time.
    actions.save_meeting(
        document,
        by=colleague,
        meeting=meeting,
        seen_revision=1,
        fields={name: getattr(meeting, name) for name in actions.MEETING_FIELDS}
        | {"outcome": "Minutes: Detection agreed."},
        participants=[],
        agenda=[],
    )
    # The first form, still showing revision 1, is refused and keeps what was typed.
    mine = _form(title="Review meeting, Rabat", seen_revision=1)
    refused = client.post(url, mine)
    assert refused.status_code == 409
    text = refused.content.decode()
    assert "changed since you opened this page" in text and "nothing was saved" in text
    assert "Review meeting, Rabat" in text
    assert 'name="seen_revision" value="2"' in text
    meeting.refresh_from_db()
    assert (meeting.outcome, meeting.title, meeting.revision) == (
        "Minutes: Detection agreed.",
        "Review meeting",
        2,
    )
    # Saving again from the refreshed form is a knowing choice, and goes through.
    assert (
        client.post(url, _form(title="Review meeting, Rabat", seen_revision=2)).status_code == 302
    )
    meeting.refresh_from_db()
    assert (meeting.title, meeting.revision) == ("Review meeting, Rabat", 3)
