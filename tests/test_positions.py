"""Delegations' positions on practices: stating them, the record, the matrix and its files.

Everything goes through the client with real logins, as a delegate or the
secretariat would; the database and its history are checked after.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import docx as python_docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from drafting import actions
from drafting.export import export
from drafting.export.positions import neutralise
from drafting.history import stamp
from drafting.history.points import Point
from drafting.models import (
    Agreement,
    Delegation,
    Document,
    ExpertProfile,
    Position,
    Practice,
    ReviewMeeting,
)
from tests.conftest import clock, login, make_delegation, make_document, make_user
from tests.test_export import docx_text, html_text, pdf_text

Stance = Position.Stance
Role = ExpertProfile.Role


@pytest.fixture
def document(secretariat) -> Document:
    return make_document(by=secretariat, sections=2, practices=2)


@pytest.fixture
def practice(document) -> Practice:
    return Practice.objects.filter(section__document=document).order_by(
        "section__position", "position"
    )[0]


def _set_url(practice: Practice) -> str:
    return reverse("drafting:position-set", args=[practice.pk])


def _post(client, practice, user, *, stance, text="", seen=0, delegation=None, **extra):
    data = {
        "delegation": delegation if delegation is not None else user.profile.delegation_id,
        "stance": stance,
        "text": text,
        "seen_revision": seen,
    }
    return client.post(_set_url(practice), data, **extra)


def _history_count() -> int:
    return Position.history.count()


# --- stating a position ------------------------------------------------------------------------


def test_expert_records_a_reservation_and_history_names_them(client, expert, practice):
    login(client, expert)
    response = _post(client, practice, expert, stance="reservation", text="Subject to *law*.")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#positions-{practice.pk}")
    position = Position.objects.get(practice=practice)
    assert position.delegation == expert.profile.delegation
    assert (position.stance, position.text, position.revision) == (
        "reservation",
        "Subject to *law*.",
        1,
    )
    row = position.history.get()
    assert row.history_user == expert
    assert row.history_change_reason == (
        f"{expert.profile.delegation.name}: reservation on Good Practice 1."
    )


def test_changing_a_position_is_recorded_every_time(client, expert, practice):
    login(client, expert)
    _post(client, practice, expert, stance="objection", text="Too broad.")
    _post(client, practice, expert, stance="support", seen=1)
    _post(client, practice, expert, stance="none", seen=2)
    position = Position.objects.get(practice=practice)
    assert position.stance == "none" and position.text == "" and position.revision == 3
    assert [r.stance for r in position.history.order_by("history_id")] == [
        "objection",
        "support",
        "none",
    ]


def test_htmx_post_answers_with_the_practice_positions_block(client, expert, practice):
    login(client, expert)
    response = _post(client, practice, expert, stance="support", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="positions-{practice.pk}"' in body and "<html" not in body
    assert "Support" in body and 'name="seen_revision" value="1"' in body


def test_reservation_without_a_statement_is_refused_next_to_the_field(client, expert, practice):
    login(client, expert)
    response = _post(client, practice, expert, stance="reservation", text="  ")
    assert response.status_code == 422
    assert "Say what the reservation is" in response.content.decode()
    assert not Position.objects.exists() and _history_count() == 0


def test_statement_with_a_footnote_is_refused_and_never_nests_notes(expert, secretariat, practice):
    with pytest.raises(ValidationError, match="cannot hold footnotes"):
        _reservation(expert, practice, text="See this.[^1]\n\n[^1]: A note.")
    from drafting.export import markup

    rich = markup.with_notes(
        markup.parse("Body.[^1]\n\n[^1]: Own note."), [("Lead: ", "Text.[^1]\n\n[^1]: x")]
    )
    assert len(rich.notes) == 2
    assert not any(isinstance(n, markup.NoteRef) for n in rich.notes[1][0].inlines)


def test_unknown_stance_is_refused_next_to_the_field(client, expert, practice):
    login(client, expert)
    response = _post(client, practice, expert, stance="abstain", HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Choose support, reservation, objection or no position." in response.content.decode()
    assert not Position.objects.exists()


def test_forged_delegation_id_is_refused_and_changes_nothing(
    client, expert, other_expert, practice
):
    login(client, expert)
    other = other_expert.profile.delegation
    response = _post(client, practice, expert, stance="objection", text="X", delegation=other.pk)
    assert response.status_code == 403
    assert f"You speak for {expert.profile.delegation.name}" in response.content.decode()
    for forged in ("999999999", "99999999999999999999999", "²", "-1"):
        response = _post(client, practice, expert, stance="support", delegation=forged)
        assert response.status_code in {403, 422}, forged
    assert not Position.objects.exists() and _history_count() == 0


def test_user_without_a_delegation_cannot_state_a_position(client, db, practice):
    user = make_user(None)
    profile = ExpertProfile(user=user, role=Role.EXPERT, delegation=None)
    stamp(profile, by=user, reason="Test set-up.")
    profile.save()
    login(client, user)
    response = _post(client, practice, user, stance="support", delegation=1)
    assert response.status_code == 403
    assert "your account has none" in response.content.decode()
    with pytest.raises(PermissionDenied, match="your account has none"):
        actions.state_position(practice, by=user, delegation=1, stance="support")
    assert not Position.objects.exists()


def test_observer_neither_sees_nor_states_positions(client, observer, practice):
    login(client, observer)
    response = _post(client, practice, observer, stance="support")
    assert response.status_code == 403
    page = client.get(practice.section.get_absolute_url()).content.decode()
    assert f'id="positions-{practice.pk}"' not in page
    matrix = client.get(reverse("drafting:position-matrix", args=[practice.section.document.slug]))
    assert matrix.status_code == 403
    assert "Observers read the text" in matrix.content.decode()
    assert not Position.objects.exists()


def test_no_position_changes_on_an_adopted_document(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1, status="adopted")
    practice = Practice.objects.get(section__document=document)
    login(client, expert)
    response = _post(client, practice, expert, stance="support")
    assert response.status_code == 403
    assert "adopted" in response.content.decode()
    assert not Position.objects.exists()


def test_stale_position_is_refused_and_keeps_the_newer_one(client, expert, practice):
    delegation = expert.profile.delegation
    colleague = make_user(Role.EXPERT, delegation=delegation)
    actions.state_position(practice, by=colleague, delegation=delegation, stance="support")
    login(client, expert)
    # The page the expert had open showed no position yet (revision 0).
    response = _post(client, practice, expert, stance="objection", text="No.", seen=0)
    assert response.status_code == 409
    assert "changed since you opened this page" in response.content.decode()
    position = Position.objects.get()
    assert (position.stance, position.revision) == ("support", 1)


def test_same_position_twice_writes_nothing(expert, practice):
    delegation = expert.profile.delegation
    actions.state_position(practice, by=expert, delegation=delegation, stance="support")
    actions.state_position(practice, by=expert, delegation=delegation, stance="support")
    assert _history_count() == 1


def test_deleted_practice_gives_a_clear_refusal(expert, secretariat, practice):
    actions.delete_practice(practice, by=secretariat)
    with pytest.raises(ValidationError, match="no longer exists"):
        actions.state_position(
            practice.pk, by=expert, delegation=expert.profile.delegation, stance="support"
        )


# --- the section page ------------------------------------------------------------------------


def test_section_page_offers_the_form_for_the_experts_own_delegation_only(
    client, expert, other_expert, practice
):
    actions.state_position(
        practice,
        by=other_expert,
        delegation=other_expert.profile.delegation,
        stance="objection",
        text="Secret objection.",
    )
    login(client, expert)
    page = client.get(practice.section.get_absolute_url()).content.decode()
    assert f"Position of {expert.profile.delegation.name}" in page
    assert "Record position" in page
    assert "Secret objection." not in page  # another delegation's position


def test_plain_form_page_works_without_javascript(client, expert, practice):
    login(client, expert)
    response = client.get(_set_url(practice))
    assert response.status_code == 200
    assert "Record position" in response.content.decode()


# --- the record ------------------------------------------------------------------------------


def _reservation(expert, practice, text="We reserve on paragraph 2.") -> Position:
    return actions.state_position(
        practice, by=expert, delegation=expert.profile.delegation, stance="reservation", text=text
    )


def test_secretariat_accepts_a_reservation_for_the_record(client, expert, secretariat, practice):
    position = _reservation(expert, practice)
    login(client, secretariat)
    page = client.get(practice.section.get_absolute_url()).content.decode()
    assert "We reserve on paragraph 2." in page and "Accept for the record" in page
    response = client.post(
        reverse("drafting:position-record", args=[position.pk]),
        {"on_record": "1", "seen_revision": position.revision},
    )
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.for_the_record and position.revision == 2
    row = position.history.latest()
    assert row.history_user == secretariat
    assert "accepted for the record" in row.history_change_reason

    document_page = client.get(practice.section.document.get_absolute_url()).content.decode()
    name = expert.profile.delegation.name
    assert f"The delegation of {name} reserves its position on this practice: " in document_page
    assert "We reserve on paragraph 2." in document_page


def test_expert_cannot_put_a_reservation_on_the_record(client, expert, practice):
    position = _reservation(expert, practice)
    login(client, expert)
    response = client.post(
        reverse("drafting:position-record", args=[position.pk]),
        {"on_record": "1", "seen_revision": position.revision},
    )
    assert response.status_code == 403
    position.refresh_from_db()
    assert not position.for_the_record


def test_only_a_reservation_goes_on_the_record(client, expert, secretariat, practice):
    delegation = expert.profile.delegation
    position = actions.state_position(practice, by=expert, delegation=delegation, stance="support")
    login(client, secretariat)
    response = client.post(
        reverse("drafting:position-record", args=[position.pk]),
        {"on_record": "1", "seen_revision": position.revision},
        follow=True,
    )
    assert "only a reservation goes on the record" in response.content.decode()
    position.refresh_from_db()
    assert not position.for_the_record


def test_record_from_a_stale_page_is_refused(client, expert, secretariat, practice):
    position = _reservation(expert, practice)
    seen = position.revision
    _reservation(expert, practice, text="New words.")  # the delegation rewrote it meanwhile
    login(client, secretariat)
    response = client.post(
        reverse("drafting:position-record", args=[position.pk]),
        {"on_record": "1", "seen_revision": seen},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "changed since you opened this page" in response.content.decode()
    position.refresh_from_db()
    assert not position.for_the_record


def test_changing_a_reservation_on_the_record_takes_it_off(expert, secretariat, practice):
    position = _reservation(expert, practice)
    actions.record_reservation(position, by=secretariat, seen_revision=position.revision)
    changed = _reservation(expert, practice, text="Other words.")
    assert not changed.for_the_record
    assert "off the record" in changed.history.latest().history_change_reason


def test_reservation_on_the_record_is_a_footnote_in_every_export(expert, secretariat, practice):
    position = _reservation(expert, practice, text="Subject to *national* law.")
    actions.record_reservation(position, by=secretariat)
    document = practice.section.document
    name = expert.profile.delegation.name
    lead = f"The delegation of {name} reserves its position on this practice:"
    words = docx_text(export(document, "docx").content)
    assert f"{lead} Subject to national law." in words
    markdown = export(document, "md").content.decode()
    assert lead in markdown and "Subject to *national* law." in markdown
    html = export(document, "html").content.decode()
    assert lead in html_text(html.encode())
    # The one renderer, sanitised.
    assert '<p dir="auto">Subject to <em>national</em> law.</p>' in html
    pdf = " ".join(pdf_text(export(document, "pdf").content).split())
    assert "reserves its position on this practice: Subject to national law." in pdf


def test_export_of_an_earlier_moment_has_the_record_of_that_moment(expert, secretariat, practice):
    start = datetime(2030, 1, 1, 9, tzinfo=UTC)
    with clock(start):
        position = _reservation(expert, practice)
    with clock(start + timedelta(hours=2)):
        actions.record_reservation(position, by=secretariat)
    document = practice.section.document
    earlier = Point("date", "before", "before", start + timedelta(hours=1))
    assert "reserves its position" not in export(document, "md", earlier).content.decode()
    assert "reserves its position" in export(document, "md").content.decode()


# --- the matrix ------------------------------------------------------------------------------


def _matrix_url(document, **query) -> str:
    url = reverse("drafting:position-matrix", args=[document.slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def test_secretariat_sees_every_delegation_expert_only_their_own(
    client, expert, other_expert, secretariat, practice
):
    _reservation(expert, practice, text="Mine.")
    actions.state_position(
        practice,
        by=other_expert,
        delegation=other_expert.profile.delegation,
        stance="objection",
        text="Theirs.",
    )
    document = practice.section.document
    login(client, secretariat)
    page = client.get(_matrix_url(document)).content.decode()
    assert "Mine." in page and "Theirs." in page
    assert expert.profile.delegation.code in page and other_expert.profile.delegation.code in page
    login(client, expert)
    page = client.get(_matrix_url(document)).content.decode()
    assert "Mine." in page and "Theirs." not in page
    assert f">{other_expert.profile.delegation.code}<" not in page


def test_matrix_filters(client, expert, secretariat, document):
    practices = list(
        Practice.objects.filter(section__document=document).order_by(
            "section__position", "position"
        )
    )
    delegation = expert.profile.delegation
    actions.state_position(
        practices[0], by=expert, delegation=delegation, stance="objection", text="No."
    )
    actions.state_position(practices[1], by=expert, delegation=delegation, stance="support")
    login(client, secretariat)

    def shown(**query) -> list[int]:
        response = client.get(_matrix_url(document, **query))
        assert response.status_code == 200
        return [r.practice.pk for r in response.context["matrix"].rows]

    assert shown() == [p.pk for p in practices]
    assert shown(only="objections") == [practices[0].pk]
    # Every member has stated nothing on 3 and 4; the secretariat's and the expert's
    # delegations are members, and the secretariat's has said nothing at all.
    assert shown(only="missing") == [p.pk for p in practices]
    second = practices[2].section
    assert shown(section=second.pk) == [practices[2].pk, practices[3].pk]
    login(client, expert)
    assert shown(only="missing") == [practices[2].pk, practices[3].pk]
    assert client.get(_matrix_url(document, only="nonsense")).status_code == 404
    assert client.get(_matrix_url(document, section="²")).status_code == 404


def test_matrix_rows_follow_document_order_and_current_numbers(client, secretariat, document):
    login(client, secretariat)
    rows = client.get(_matrix_url(document)).context["matrix"].rows
    assert [r.label for r in rows] == [f"Good Practice {n}" for n in range(1, 5)]


# --- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Support", "Support"),
        ("", ""),
    ],
)
def test_csv_cells_that_start_a_formula_are_neutralised(cell, expected):
    assert neutralise(cell) == expected


def test_csv_export_is_the_matrix_with_formulas_neutralised(
    client, expert, secretariat, document, practice
):
    practice.heading = '=HYPERLINK("http://evil.example","click")'
    stamp(practice, by=secretariat, reason="Test.")
    practice.save()
    _reservation(expert, practice, text="-2+3 is our view.")
    login(client, secretariat)
    response = client.get(reverse("drafting:position-export", args=[document.slug, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"{document.slug}-positions.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, first = rows[0], rows[1]
    assert header[:3] == ["Section", "Practice", "Heading"]
    assert expert.profile.delegation.name in header
    assert first[1] == "Good Practice 1"
    assert first[2].startswith("'=HYPERLINK")
    assert first[header.index(expert.profile.delegation.name)] == "Reservation: -2+3 is our view."
    assert len(rows) == 1 + 4


def test_docx_export_opens_and_holds_the_table_and_statements(
    client, expert, secretariat, document, practice
):
    position = _reservation(expert, practice, text="Our <reservation> & more.")
    actions.record_reservation(position, by=secretariat)
    login(client, secretariat)
    response = client.get(
        reverse("drafting:position-export", args=[document.slug, "docx"]) + "?only=objections"
    )
    assert response.status_code == 200
    word = python_docx.Document(io.BytesIO(response.content))
    assert len(word.tables[0].rows) == 1  # the header only: no objection anywhere
    response = client.get(reverse("drafting:position-export", args=[document.slug, "docx"]))
    word = python_docx.Document(io.BytesIO(response.content))
    table = word.tables[0]
    assert len(table.rows) == 1 + 4
    codes = [c.text for c in table.rows[0].cells]
    column = codes.index(expert.profile.delegation.code)
    assert table.rows[1].cells[column].text == "R*"
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Our <reservation> & more." in text and "accepted for the record" in text


def test_unknown_export_format_is_a_404(client, secretariat, document):
    login(client, secretariat)
    response = client.get(reverse("drafting:position-export", args=[document.slug, "xlsx"]))
    assert response.status_code == 404


# --- query counts ----------------------------------------------------------------------------


def _populate(document, delegations: int, secretariat) -> None:
    """Every delegation states a position on every practice; half the reservations on record."""
    practices = list(Practice.objects.filter(section__document=document))
    stances = [Stance.SUPPORT, Stance.RESERVATION, Stance.OBJECTION]
    for d in range(delegations):
        delegation = make_delegation()
        speaker = make_user(Role.EXPERT, delegation=delegation)
        for n, practice in enumerate(practices):
            stance = stances[(n + d) % 3]
            position = actions.state_position(
                practice,
                by=speaker,
                delegation=delegation,
                stance=stance,
                text="" if stance == Stance.SUPPORT else f"Statement {d}.{n}.",
            )
            if stance == Stance.RESERVATION and n % 2 == 0:
                actions.record_reservation(position, by=secretariat)


# The section page as the secretariat sees it: every delegation's position under each practice
# from one query, the practices' agreements from one, the meetings it may name from one.
SECTION_PAGE_QUERIES = 14


@pytest.mark.parametrize(("practices", "delegations"), [(2, 1), (12, 4)])
def test_matrix_and_document_page_queries_do_not_grow(
    client, secretariat, practices, delegations, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=2, practices=practices // 2)
    _populate(document, delegations, secretariat)
    assert Position.objects.count() == practices * delegations
    assert Delegation.objects.count() >= delegations
    login(client, secretariat)
    with django_assert_max_num_queries(9):
        response = client.get(_matrix_url(document))
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="badge standing-') == practices + 4  # + legend
    with django_assert_max_num_queries(9):
        response = client.get(reverse("drafting:position-export", args=[document.slug, "csv"]))
    assert response.status_code == 200
    section = document.sections.order_by("position").first()
    with django_assert_max_num_queries(SECTION_PAGE_QUERIES):
        response = client.get(section.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="position-item"') == (
        practices // 2 * delegations
    )


# --- demo ------------------------------------------------------------------------------------


def test_demo_shows_positions_and_a_reservation_on_the_record(client, db):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("seed_demo", "--quiet-logins")
    document = Document.objects.get(slug="homegrown-terrorism")
    assert Position.objects.filter(practice__section__document=document).count() >= 5
    on_record = Position.objects.get(for_the_record=True)
    assert on_record.delegation.code == "NL"
    assert on_record.history.latest().history_user.username == "secretariat"
    assert not Position.history.filter(history_user__isnull=True).exists()
    assert Agreement.objects.get().status == "ad_referendum"
    page = client.get(document.get_absolute_url())  # the public cannot read a draft...
    assert page.status_code == 302
    client.force_login(get_user_model().objects.get(username="observer"))
    page = client.get(document.get_absolute_url()).content.decode()
    assert "The delegation of Netherlands reserves its position on this practice:" in page


# --- agreement per practice --------------------------------------------------------------------


def _agree(client, practice, status="ad_referendum", *, htmx=False, **extra):
    practice.refresh_from_db()
    data = {"status": status, "seen_revision": practice.revision, "meeting": ""}
    data.update(extra)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("drafting:agreement-set", args=[practice.pk]), data, headers=headers)


def _standing(client, practice) -> str:
    page = client.get(practice.section.get_absolute_url())
    return page.context["positions"][practice.pk].standing.status


def test_secretariat_records_a_practice_agreed_ad_referendum_then_agreed(
    client, secretariat, practice
):
    meeting = ReviewMeeting(
        document=practice.section.document,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Rabat review meeting",
        starts_on=date(2030, 6, 25),
        ends_on=date(2030, 6, 25),
    )
    stamp(meeting, by=secretariat, reason="Test meeting.")
    meeting.save()
    login(client, secretariat)
    assert _standing(client, practice) == "proposed"
    response = _agree(client, practice, meeting=meeting.pk)
    assert response.status_code == 302
    assert _standing(client, practice) == "ad_referendum"
    page = client.get(practice.section.get_absolute_url()).content.decode()
    assert "Agreed ad referendum" in page and "at the Rabat review meeting" in page
    _agree(client, practice, status="agreed")
    assert _standing(client, practice) == "agreed"
    agreement = Agreement.objects.get()
    rows = list(agreement.history.order_by("history_id"))
    assert [r.status for r in rows] == ["ad_referendum", "agreed"]
    assert rows[0].history_user == secretariat and rows[0].history_meeting_id == meeting.pk
    assert rows[0].history_change_reason == (
        "Good Practice 1 recorded as agreed ad referendum (revision 1 of its text)."
    )


def test_an_objection_keeps_a_practice_under_negotiation_and_refuses_agreement(
    client, expert, secretariat, practice
):
    delegation = expert.profile.delegation
    actions.state_position(
        practice, by=expert, delegation=delegation, stance="objection", text="No."
    )
    login(client, secretariat)
    assert _standing(client, practice) == "under_negotiation"
    response = _agree(client, practice, status="agreed", htmx=True)
    assert response.status_code == 422
    assert f"{delegation.name} objects." in response.content.decode()
    assert not Agreement.objects.exists()
    # The expert sees the status, not who objects... (their own objection is theirs to see)
    login(client, expert)
    page = client.get(practice.section.get_absolute_url()).content.decode()
    assert "Under negotiation" in page and "1 open point" in page


def test_document_page_shows_each_practice_status(client, expert, secretariat, practice):
    actions.record_agreement(practice, by=secretariat, status="agreed")
    other = Practice.objects.filter(section__document=practice.section.document).exclude(
        pk=practice.pk
    )[0]
    actions.state_position(
        other, by=expert, delegation=expert.profile.delegation, stance="objection", text="No."
    )
    login(client, expert)
    response = client.get(practice.section.document.get_absolute_url())
    standings = response.context["standings"]
    assert standings[practice.pk].status == "agreed"
    assert standings[other.pk].status == "under_negotiation"
    page = response.content.decode()
    assert 'Agreement: <span class="badge standing-agreed">Agreed</span>' in page
    assert "Under negotiation</span></p>" in page


def test_an_edit_reopens_an_agreed_practice(client, expert, secretariat, practice):
    actions.record_agreement(practice, by=secretariat, status="agreed")
    actions.update_practice(
        practice, by=expert, heading=practice.heading, body="New words.", base_revision=1
    )
    login(client, secretariat)
    assert _standing(client, practice) == "proposed"
    page = client.get(practice.section.get_absolute_url()).content.decode()
    assert "Agreed at revision 1; the text was edited since, so it is open again." in page


def test_an_objection_after_agreement_puts_it_back_under_negotiation(
    client, expert, secretariat, practice
):
    actions.record_agreement(practice, by=secretariat, status="ad_referendum")
    actions.state_position(
        practice,
        by=expert,
        delegation=expert.profile.delegation,
        stance="objection",
        text="Capitals disagree.",
    )
    login(client, secretariat)
    assert _standing(client, practice) == "under_negotiation"


def test_only_the_secretariat_records_agreement(client, expert, observer, practice):
    for user in (expert, observer):
        login(client, user)
        assert _agree(client, practice).status_code == 403
    assert not Agreement.objects.exists()


def test_agreement_from_a_stale_page_or_with_a_foreign_meeting_is_refused(
    client, expert, secretariat, practice
):
    login(client, secretariat)
    seen = practice.revision
    actions.update_practice(
        practice, by=expert, heading=practice.heading, body="Changed.", base_revision=seen
    )
    response = client.post(
        reverse("drafting:agreement-set", args=[practice.pk]),
        {"status": "agreed", "seen_revision": seen},
        follow=True,
    )
    assert "changed since you opened this page" in response.content.decode()
    other = make_document(by=secretariat, sections=1, practices=1)
    meeting = ReviewMeeting(
        document=other,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Elsewhere",
        starts_on=date(2030, 1, 1),
        ends_on=date(2030, 1, 1),
    )
    stamp(meeting, by=secretariat, reason="Test meeting.")
    meeting.save()
    response = _agree(client, practice, meeting=meeting.pk)
    assert response.status_code == 302
    with pytest.raises(ValidationError, match="not one of this document"):
        actions.record_agreement(practice, by=secretariat, status="agreed", meeting=meeting.pk)
    assert not Agreement.objects.exists()


def test_no_agreement_changes_on_an_adopted_document(secretariat):
    document = make_document(by=secretariat, sections=1, practices=1, status="adopted")
    practice = Practice.objects.get(section__document=document)
    with pytest.raises(PermissionDenied, match="adopted"):
        actions.record_agreement(practice, by=secretariat, status="agreed")


def test_positions_of_a_deleted_practice_come_back_with_it(client, expert, secretariat, practice):
    position = _reservation(expert, practice)
    actions.record_agreement(practice, by=secretariat, status="ad_referendum")
    deletion = actions.delete_practice(practice, by=secretariat)
    # Nothing written behind history's back: the position and agreement rows are kept.
    assert Position.objects.filter(pk=position.pk).exists()
    assert Position.history.filter(history_type="-").count() == 0
    login(client, secretariat)
    matrix = client.get(_matrix_url(practice.section.document)).context["matrix"]
    assert practice.pk not in {r.practice.pk for r in matrix.rows}
    actions.restore_deletion(deletion, by=secretariat)
    matrix = client.get(_matrix_url(practice.section.document)).context["matrix"]
    row = next(r for r in matrix.rows if r.practice.pk == practice.pk)
    assert any(c.stance == "reservation" for c in row.cells)
