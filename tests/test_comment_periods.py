"""Comment periods (issue 15): opening one on a named version, invited delegations sending
comments and proposals against that frozen text, late flags, the compilation text and the
disposition table (pages, Word and PDF files), and the refusals."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from drafting import actions
from drafting.history import stamp
from drafting.models import (
    Amendment,
    Comment,
    CommentPeriod,
    Disposition,
    ExpertProfile,
    Notification,
    ReviewMeeting,
)
from drafting.models.notifications import Kind
from tests.conftest import login, make_delegation, make_document, make_user

Role = ExpertProfile.Role
FAR = datetime(2099, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _typeset_here(settings):
    # The PDF is typeset in this process: a child's start-up is not what is tested here.
    settings.EXPORT_TYPESET_IN_CHILD = False
    # Many logins: the real password hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """A document with a named version circulated to two of three delegations."""
    clerk = make_user(Role.SECRETARIAT)
    a, b, c = (make_delegation(name=n, code=n[:3].upper()) for n in ("Norvania", "Ostland", "Zed"))
    people = {
        "clerk": clerk,
        "a": make_user(Role.EXPERT, delegation=a),
        "a2": make_user(Role.EXPERT, delegation=a),
        "b": make_user(Role.EXPERT, delegation=b),
        "c": make_user(Role.EXPERT, delegation=c),
        "observer": make_user(Role.OBSERVER),
    }
    document = make_document(by=clerk, sections=2, practices=2)
    version = actions.name_version(document, by=clerk, name="Draft 2 — circulated")
    period = actions.open_period(
        document,
        by=clerk,
        version=version,
        deadline=FAR,
        invited=[a, b],
        instructions="Look at **section 1** first.",
    )
    practices = list(document.sections.order_by("position").first().practices.order_by("position"))
    return {
        "document": document,
        "version": version,
        "period": period,
        "practices": practices,
        "delegations": (a, b, c),
        **people,
    }


def _open_form(world, **overrides) -> dict:
    data = {
        "version": world["version"].pk,
        "deadline_date": "2099-03-01",
        "deadline_time": "17:00",
        "deadline_zone": "Europe/Brussels",
        "invited": [d.pk for d in world["delegations"][:2]],
        "instructions": "",
    }
    data.update(overrides)
    return data


# --- Opening -----------------------------------------------------------------------------------


def test_secretariat_opens_a_period_with_a_deadline_in_its_time_zone(client, world):
    login(client, world["clerk"])
    url = reverse("drafting:period-create", args=[world["document"].slug])
    response = client.post(url, _open_form(world, allow_late="on"))
    assert response.status_code == 302
    period = CommentPeriod.objects.latest("id")
    # 17:00 in Brussels in March (winter time, UTC+1) is 16:00 UTC.
    assert period.deadline == datetime(2099, 3, 1, 16, 0, tzinfo=UTC)
    assert period.deadline_zone == "Europe/Brussels"
    assert period.allow_late
    assert set(period.invited.all()) == set(world["delegations"][:2])
    row = period.history.first()
    assert row.history_user == world["clerk"]
    assert "Comment period opened" in row.history_change_reason
    page = client.get(response["Location"])
    assert "Draft 2 — circulated" in page.content.decode()


def test_opening_notifies_the_experts_of_invited_delegations_only(world):
    told = set(
        Notification.objects.filter(
            kind=Kind.PERIOD_OPENED, about=f"period:{world['period'].pk}"
        ).values_list("recipient_id", flat=True)
    )
    assert told == {world["a"].pk, world["a2"].pk, world["b"].pk}


def test_a_deadline_in_the_past_is_refused_next_to_the_field(client, world):
    login(client, world["clerk"])
    before = CommentPeriod.objects.count()
    url = reverse("drafting:period-create", args=[world["document"].slug])
    response = client.post(url, _open_form(world, deadline_date="2000-01-01"))
    assert response.status_code == 422
    assert "The deadline must be in the future." in response.content.decode()
    assert CommentPeriod.objects.count() == before


def test_a_version_of_another_document_is_refused(client, world):
    other = make_document(by=world["clerk"], sections=1, practices=1)
    foreign = actions.name_version(other, by=world["clerk"], name="Other draft")
    login(client, world["clerk"])
    before = CommentPeriod.objects.count()
    url = reverse("drafting:period-create", args=[world["document"].slug])
    response = client.post(url, _open_form(world, version=foreign.pk))
    assert response.status_code == 422
    assert "Choose a named version of this document." in response.content.decode()
    assert CommentPeriod.objects.count() == before


def test_experts_and_observers_cannot_open_a_period(client, world):
    for who in ("a", "observer"):
        client.logout()
        login(client, world[who])
        url = reverse("drafting:period-create", args=[world["document"].slug])
        assert client.post(url, _open_form(world)).status_code == 403
    assert CommentPeriod.objects.count() == 1


def test_a_forged_period_id_is_a_404(client, world):
    login(client, world["clerk"])
    for name in ("period-detail", "period-compilation", "period-dispositions"):
        assert client.get(reverse(f"drafting:{name}", args=[999_999])).status_code == 404
    response = client.post(
        reverse("drafting:period-submit", args=[999_999]),
        {"kind": "comment", "practice": world["practices"][0].pk, "body": "x"},
    )
    assert response.status_code == 404


# --- Sending in ---------------------------------------------------------------------------------


def _submit(client, world, who: str, **data):
    client.logout()
    login(client, world[who])
    return client.post(reverse("drafting:period-submit", args=[world["period"].pk]), data)


def test_invited_experts_comment_and_propose_against_the_circulated_text(client, world):
    practice = world["practices"][0]
    response = _submit(client, world, "a", kind="comment", practice=practice.pk, body="Too broad.")
    assert response.status_code == 302
    comment = Comment.objects.get(period=world["period"])
    assert (comment.author, comment.version, comment.late) == (world["a"], world["version"], False)
    response = _submit(
        client,
        world,
        "b",
        kind="change",
        practice=practice.pk,
        heading="Practice 1.1, narrower",
        text="Body of 1.1.",
        rationale="Narrower scope.",
    )
    assert response.status_code == 302
    amendment = Amendment.objects.get(period=world["period"])
    assert amendment.delegation == world["delegations"][1]
    assert amendment.base_revision == 1 and amendment.version == world["version"]
    assert "comment period" in amendment.history.first().history_change_reason


def test_a_delegation_not_invited_is_refused_and_nothing_is_recorded(client, world):
    practice = world["practices"][0]
    response = _submit(client, world, "c", kind="comment", practice=practice.pk, body="Us too.")
    assert response.status_code == 403
    assert "not invited" in response.content.decode()
    assert not Comment.objects.filter(period=world["period"]).exists()
    with pytest.raises(PermissionDenied):
        actions.propose_change(
            practice, by=world["c"], heading="X", body="Y", rationale="Z", period=world["period"]
        )


def test_after_the_deadline_submissions_are_refused_unless_late_ones_are_allowed(world):
    practice = world["practices"][0]
    after = FAR + timedelta(seconds=1)
    with pytest.raises(PermissionDenied, match="deadline"):
        actions.add_comment(
            practice.section_id,
            by=world["a"],
            body="Late.",
            practice=practice,
            period=world["period"],
            now=after,
        )
    # One second before the deadline is on time.
    on_time = actions.add_comment(
        practice.section_id,
        by=world["a"],
        body="Just in time.",
        practice=practice,
        period=world["period"],
        now=FAR - timedelta(seconds=1),
    )
    assert not on_time.late
    period = world["period"]
    period.allow_late = True
    stamp(period, by=world["clerk"], reason="Late ones accepted.")
    period.save()
    late = actions.propose_change(
        practice,
        by=world["b"],
        heading="Later heading",
        body="Body of 1.1.",
        rationale="Sorry.",
        period=period,
        now=after,
    )
    assert late.late
    # The deadline itself is already late.
    at_deadline = actions.add_comment(
        practice.section_id,
        by=world["b"],
        body="At the stroke.",
        practice=practice,
        period=period,
        now=FAR,
    )
    assert at_deadline.late


def test_a_proposal_identical_to_the_circulated_text_is_refused(world):
    practice = world["practices"][0]
    with pytest.raises(ValidationError, match="circulated text"):
        actions.propose_change(
            practice,
            by=world["a"],
            heading=practice.heading,
            body=practice.body,
            rationale="None.",
            period=world["period"],
        )


def test_period_page_and_compilation_show_the_circulated_text_not_the_current_one(client, world):
    practice = world["practices"][0]
    actions.add_comment(
        practice.section_id,
        by=world["a"],
        body="On the old text.",
        practice=practice,
        period=world["period"],
    )
    actions.update_practice(
        practice,
        by=world["clerk"],
        heading="Rewritten heading",
        body="Rewritten body.",
        base_revision=practice.revision,
    )
    login(client, world["a"])
    for name in ("period-detail", "period-compilation"):
        page = client.get(reverse(f"drafting:{name}", args=[world["period"].pk]))
        text = page.content.decode()
        assert "Body of 1.1." in text, name
        assert "Rewritten body." not in text, name
        # The lead sentence is part of the circulated text, as it stood.
        assert "<strong>Practice 1.1</strong>" in text, name
        assert "Rewritten heading" not in text, name
    # A proposal is still compared with, and based on, the circulated text.
    amendment = actions.propose_change(
        practice,
        by=world["b"],
        heading="Practice 1.1",
        body="Changed body.",
        rationale="Clearer.",
        period=world["period"],
    )
    assert amendment.base_revision == 1


def test_a_practice_added_after_the_version_cannot_be_commented_in_the_period(client, world):
    from tests.conftest import make_practice

    section = world["practices"][0].section
    newer = make_practice(section, by=world["clerk"], heading="Added later", body="Later.")
    response = _submit(client, world, "a", kind="comment", practice=newer.pk, body="On it.")
    assert response.status_code == 422
    assert "not in the circulated version" in response.content.decode()
    assert "Added later" not in client.get(world["period"].get_absolute_url()).content.decode()
    assert not Comment.objects.filter(period=world["period"]).exists()


# --- Compilation ------------------------------------------------------------------------------


def _fill(world):
    p1, p2 = world["practices"]
    actions.add_comment(
        p1.section_id, by=world["a"], body="Point one.", practice=p1, period=world["period"]
    )
    actions.propose_change(
        p1,
        by=world["b"],
        heading="Narrower heading",
        body="Narrower body.",
        rationale="A reason.",
        period=world["period"],
    )
    actions.add_comment(
        p2.section_id, by=world["a2"], body="Point two.", practice=p2, period=world["period"]
    )


def test_compilation_attributes_or_anonymises_consistently(client, world):
    _fill(world)
    login(client, world["clerk"])
    url = reverse("drafting:period-compilation", args=[world["period"].pk])
    text = client.get(url).content.decode()
    assert "Norvania" in text and "Ostland" in text
    # The secretariat anonymises the compilation: experts then see letters.
    assert client.post(url, {"anonymise": "1"}).status_code == 302
    assert CommentPeriod.objects.get(pk=world["period"].pk).anonymise
    client.logout()
    login(client, world["b"])
    text = client.get(url).content.decode()
    assert "Norvania" not in text and "Ostland" not in text
    # Norvania speaks first (practice 1's comment) and again on practice 2: A both times.
    assert text.count("Delegation A") == 2 and text.count("Delegation B") == 1
    # An expert cannot lift the anonymity, here or in the disposition table.
    assert "Norvania" not in client.get(url, {"anonymise": "0"}).content.decode()
    table = reverse("drafting:period-dispositions", args=[world["period"].pk])
    assert "Norvania" not in client.get(table).content.decode()
    assert client.post(url, {"anonymise": "0"}).status_code == 403


def test_compilation_exports_read_back(client, world):
    import docx
    import pypdf

    _fill(world)
    login(client, world["clerk"])
    base = "drafting:period-compilation-export"
    response = client.get(reverse(base, args=[world["period"].pk, "docx"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    paragraphs = [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs]
    joined = "\n".join(paragraphs)
    assert "Body of 1.1." in joined and "Narrower body." in joined and "Point one." in joined
    assert "Norvania, comment" in joined
    response = client.get(reverse(base, args=[world["period"].pk, "pdf"]), {"anonymise": "1"})
    assert response["Content-Type"] == "application/pdf"
    pdf_text = "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Narrower body." in pdf_text and "Delegation A" in pdf_text
    assert "Ostland" not in pdf_text
    assert client.get(reverse(base, args=[world["period"].pk, "html"])).status_code == 404


# --- Dispositions -----------------------------------------------------------------------------


def _row(kind: str, pk: int, **fields) -> dict:
    prefix = f"{kind}-{pk}"
    data = {"submission": prefix, f"{prefix}-seen_revision": fields.pop("seen_revision", 0)}
    data.update({f"{prefix}-{k}": v for k, v in fields.items()})
    return data


def _meeting(document, by) -> ReviewMeeting:
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Rabat review meeting",
        starts_on=timezone.localdate() + timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=31),
    )
    stamp(meeting, by=by, reason="Planned.")
    meeting.save()
    return meeting


def test_each_row_of_the_disposition_table_saves_on_its_own(client, world):
    _fill(world)
    meeting = _meeting(world["document"], world["clerk"])
    comment = Comment.objects.filter(period=world["period"]).first()
    amendment = Amendment.objects.get(period=world["period"])
    login(client, world["clerk"])
    url = reverse("drafting:period-dispositions", args=[world["period"].pk])
    page = client.get(url).content.decode()
    # Document order: practice 1's proposal and comment come before practice 2's comment.
    last = Comment.objects.filter(period=world["period"]).last()
    assert page.index(f'id="comment-{comment.pk}"') < page.index(f'id="comment-{last.pk}"')
    assert page.index(f'id="amendment-{amendment.pk}"') < page.index(f'id="comment-{last.pk}"')
    response = client.post(
        url, _row("comment", comment.pk, outcome="rejected", note="Out of scope.")
    )
    assert response.status_code == 302
    response = client.post(
        url, _row("amendment", amendment.pk, outcome="deferred", meeting=meeting.pk)
    )
    assert response.status_code == 302
    d = Disposition.objects.get(comment=comment)
    assert (d.outcome, d.note, d.revision, d.decided_by) == (
        "rejected",
        "Out of scope.",
        1,
        world["clerk"],
    )
    assert d.history.first().history_user == world["clerk"]
    # Changing it is a new revision, from the revision the row showed.
    response = client.post(
        url, _row("comment", comment.pk, outcome="modified", note="Partly.", seen_revision=1)
    )
    assert response.status_code == 302
    assert Disposition.objects.get(comment=comment).revision == 2
    # The meeting's page shows the deferred one.
    meeting_page = client.get(reverse("drafting:meeting-detail", args=[meeting.pk])).content
    assert "1 deferred to this meeting" in meeting_page.decode()


def test_a_stale_row_is_refused_with_409_keeping_what_was_typed(client, world):
    _fill(world)
    comment = Comment.objects.filter(period=world["period"]).first()
    actions.record_disposition(
        world["period"], by=world["clerk"], comment=comment, outcome="accepted", seen_revision=0
    )
    login(client, world["clerk"])
    url = reverse("drafting:period-dispositions", args=[world["period"].pk])
    response = client.post(url, _row("comment", comment.pk, outcome="rejected", note="Mine."))
    assert response.status_code == 409
    text = response.content.decode()
    assert "changed by someone else" in text and "Mine." in text
    assert Disposition.objects.get(comment=comment).outcome == "accepted"


def test_a_disposition_for_a_submission_of_another_period_is_refused(client, world):
    _fill(world)
    other = actions.open_period(
        world["document"],
        by=world["clerk"],
        version=world["version"],
        deadline=FAR,
        invited=[world["delegations"][0]],
    )
    comment = Comment.objects.filter(period=world["period"]).first()
    with pytest.raises(ValidationError, match="not sent in during this comment period"):
        actions.record_disposition(other, by=world["clerk"], comment=comment, outcome="accepted")
    login(client, world["clerk"])
    url = reverse("drafting:period-dispositions", args=[other.pk])
    response = client.post(url, _row("comment", comment.pk, outcome="accepted"))
    assert response.status_code == 422
    assert "not sent in during this comment period" in response.content.decode()
    assert not Disposition.objects.exists()


def test_experts_read_the_disposition_table_but_cannot_fill_it(client, world):
    _fill(world)
    comment = Comment.objects.filter(period=world["period"]).first()
    login(client, world["a"])
    url = reverse("drafting:period-dispositions", args=[world["period"].pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _row("comment", comment.pk, outcome="accepted")).status_code == 403
    assert not Disposition.objects.exists()


def test_disposition_exports_read_back(client, world):
    import docx
    import pypdf

    _fill(world)
    comment = Comment.objects.filter(period=world["period"]).first()
    actions.record_disposition(
        world["period"],
        by=world["clerk"],
        comment=comment,
        outcome="rejected",
        note="Outside the mandate.",
    )
    login(client, world["clerk"])
    base = "drafting:period-dispositions-export"
    response = client.get(reverse(base, args=[world["period"].pk, "docx"]))
    table = docx.Document(io.BytesIO(response.content)).tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][3] == "Disposition"
    assert ["Rejected", "Outside the mandate."] in [r[3:5] for r in cells]
    assert len(cells) == 4  # header + three submissions
    response = client.get(reverse(base, args=[world["period"].pk, "pdf"]))
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "Outside the mandate." in text and "Not yet disposed" in text


# --- Reminders ----------------------------------------------------------------------------------


def test_the_48_hour_reminder_is_queued_once(world):
    assert actions.remind_before_deadlines(now=FAR - timedelta(hours=49)) == 0
    assert actions.remind_before_deadlines(now=FAR - timedelta(hours=47)) == 1
    assert actions.remind_before_deadlines(now=FAR - timedelta(hours=46)) == 0
    told = Notification.objects.filter(kind=Kind.PERIOD_DEADLINE)
    assert set(told.values_list("recipient_id", flat=True)) == {
        world["a"].pk,
        world["a2"].pk,
        world["b"].pk,
    }


def test_the_sender_queues_and_sends_the_reminder(world, mailoutbox):
    from drafting import outbox

    for key in ("a", "a2", "b", "c"):
        world[key].email = f"{world[key].username}@example.org"
        world[key].save()
    outbox.send_due(now=FAR - timedelta(hours=47))
    outbox.send_due(now=FAR - timedelta(hours=46))
    reminders = [m for m in mailoutbox if "48 hours left" in m.subject]
    assert sorted(m.to[0] for m in reminders) == sorted(world[k].email for k in ("a", "a2", "b"))


# --- Query counts -------------------------------------------------------------------------------


def _bigger(clerk, sections: int, practices: int, delegations: int):
    document = make_document(by=clerk, sections=sections, practices=practices)
    invited = [make_delegation() for _ in range(delegations)]
    experts = [make_user(Role.EXPERT, delegation=d) for d in invited]
    version = actions.name_version(document, by=clerk, name="Circulated")
    period = actions.open_period(
        document, by=clerk, version=version, deadline=FAR, invited=invited, anonymise=True
    )
    for practice in document.sections.first().practices.all():
        for expert in experts:
            actions.add_comment(
                practice.section_id, by=expert, body="Point.", practice=practice, period=period
            )
            actions.propose_change(
                practice, by=expert, heading="New", body="New.", rationale="R.", period=period
            )
    comment = Comment.objects.filter(period=period).first()
    actions.record_disposition(period, by=clerk, comment=comment, outcome="accepted")
    return period


@pytest.mark.parametrize("size", [(1, 1, 1), (3, 4, 3)])
def test_page_queries_do_not_grow_with_the_period(client, db, size, django_assert_max_num_queries):
    clerk = make_user(Role.SECRETARIAT)
    period = _bigger(clerk, *size)
    login(client, clerk)
    for name in ("period-compilation", "period-dispositions", "period-detail"):
        url = reverse(f"drafting:{name}", args=[period.pk])
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        response = client.get(
            reverse("drafting:period-dispositions-export", args=[period.pk, "docx"])
        )
        assert response.status_code == 200


# --- My work: the home page lists the round ---------------------------------------------------


def _panel(page: str, key: str) -> str:
    start = page.find(f'id="work-{key}"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


def _home(client, user, moment: datetime) -> str:
    from tests.conftest import clock

    with clock(moment):
        response = login(client, user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_home_pages_list_the_open_period_and_what_waits_for_a_disposition(client, world):
    practice = world["practices"][0]
    url = reverse("drafting:period-detail", args=[world["period"].pk])
    now = FAR - timedelta(days=3)
    actions.add_comment(
        practice.section_id,
        by=world["a"],
        body="A point.",
        practice=practice,
        period=world["period"],
        now=now,
    )
    # An invited expert: the period, the time left and what their delegation has sent.
    mine = _panel(_home(client, world["a2"], now), "periods")
    assert url in mine and "3 days" in mine and "NOR has sent 1" in mine
    theirs = _panel(_home(client, world["b"], now), "periods")
    assert url in theirs and "OST has sent nothing yet" in theirs
    # A delegation not invited has nothing to do in it.
    assert url not in _home(client, world["c"], now)
    # The secretariat: one submission to answer in the disposition table, and the deadline.
    page = _home(client, world["clerk"], now)
    dispositions = reverse("drafting:period-dispositions", args=[world["period"].pk])
    assert dispositions in _panel(page, "dispositions")
    assert url in _panel(page, "deadlines")
    # After the deadline the period leaves the expert's list.
    assert url not in _panel(_home(client, world["a2"], FAR), "periods")
