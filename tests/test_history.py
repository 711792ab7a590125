"""Every tracked model records who changed it, why, and when."""

from datetime import date

import pytest
from django.utils import timezone

from drafting import actions
from drafting.history import stamp
from drafting.models import (
    AgendaItem,
    Amendment,
    Comment,
    Delegation,
    ReviewMeeting,
    Version,
    WorkingGroup,
)
from tests.conftest import make_document


def _builders(document, user):
    section = document.sections.first()
    practice = section.practices.first()
    meeting_fields = {
        "document": document,
        "kind": ReviewMeeting.Kind.REVIEW,
        "title": "Review meeting",
        "starts_on": date(2018, 6, 25),
        "ends_on": date(2018, 6, 25),
    }
    return {
        "delegation": (lambda: Delegation(name="Ruritania", code="RU1"), "name", "Freedonia"),
        "working group": (lambda: WorkingGroup(name="WG", slug="wg"), "mandate", "New mandate"),
        "document": (lambda: document, "title", "Renamed"),
        "section": (lambda: section, "title", "Renamed section"),
        "practice": (lambda: practice, "heading", "Renamed practice"),
        "version": (
            lambda: Version(
                document=document, name="Draft 1", taken_at=timezone.now(), created_by=user
            ),
            "name",
            "Draft 1 bis",
        ),
        "meeting": (lambda: ReviewMeeting(**meeting_fields), "city", "Rabat"),
        "agenda item": (
            lambda: AgendaItem(
                meeting=_saved(ReviewMeeting(**meeting_fields), user), section=section, position=1
            ),
            "note",
            "First item",
        ),
        "amendment": (
            lambda: Amendment(
                section=section,
                practice=practice,
                rationale="Clearer.",
                proposed_heading="Better heading",
                delegation=user.profile.delegation,
                proposed_by=user,
            ),
            "rationale",
            "Clearer still.",
        ),
        "comment": (
            lambda: Comment(section=section, practice=practice, author=user, body="Agree."),
            "body",
            "Agree, with a caveat.",
        ),
    }


def _saved(obj, user):
    stamp(obj, by=user, reason="set-up")
    obj.save()
    return obj


@pytest.mark.parametrize(
    "kind",
    [
        "delegation",
        "working group",
        "document",
        "section",
        "practice",
        "version",
        "meeting",
        "agenda item",
        "amendment",
        "comment",
    ],
)
def test_create_update_delete_record_user_and_reason(kind, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    build, field, new_value = _builders(document, expert)[kind]
    obj = build()
    if obj.pk is None:
        stamp(obj, by=expert, reason="Created for the test.")
        obj.save()

    setattr(obj, field, new_value)
    stamp(obj, by=expert, reason="Changed at the Rabat review meeting.")
    obj.save()
    pk = obj.pk
    stamp(obj, by=secretariat, reason="No longer needed.")
    obj.delete()

    rows = list(type(obj).history.filter(id=pk).order_by("history_date", "history_id"))
    assert [r.history_type for r in rows][-2:] == ["~", "-"]
    changed, deleted = rows[-2], rows[-1]
    assert changed.history_user == expert
    assert changed.history_change_reason == "Changed at the Rabat review meeting."
    assert getattr(changed, field) == new_value
    assert deleted.history_user == secretariat
    assert deleted.history_change_reason == "No longer needed."


def test_reason_does_not_leak_to_the_next_save(secretariat, expert):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    practice = actions.update_practice(
        practice, by=expert, heading="H1", body="B", base_revision=1, reason="First reason"
    )
    actions.update_practice(practice, by=expert, heading="H2", body="B", base_revision=2)
    last = practice.history.latest()
    assert last.heading == "H2"
    assert last.history_change_reason == ""


def test_web_request_history_names_the_logged_in_user(client, django_user_model):
    """Writes made during a request (here through the admin) carry the request user."""
    admin = django_user_model.objects.create_superuser("admin", "a@example.org", "pw-123-secure")
    client.force_login(admin)
    response = client.post(
        "/admin/drafting/delegation/add/",
        {"name": "Atlantis", "code": "AT", "kind": Delegation.Kind.PARTNER_STATE},
    )
    assert response.status_code == 302
    row = Delegation.objects.get(code="AT").history.get()
    assert row.history_user == admin
    assert row.history_type == "+"


def test_meeting_tag_is_recorded_on_history(secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    meeting = _saved(
        ReviewMeeting(
            document=document,
            kind=ReviewMeeting.Kind.REVIEW,
            title="Rabat",
            starts_on=date(2018, 6, 25),
            ends_on=date(2018, 6, 25),
        ),
        secretariat,
    )
    practice = document.sections.get().practices.get()
    actions.update_practice(
        practice, by=secretariat, heading="Agreed", body="", base_revision=1, meeting=meeting
    )
    assert practice.history.latest().history_meeting_id == meeting.pk
