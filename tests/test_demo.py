"""The demo forum loads realistically and loading it twice changes nothing."""

from datetime import date

import pytest
from django.apps import apps
from django.core.management import call_command

from drafting.history import document_as_of
from drafting.models import Delegation, Document, Practice, ReviewMeeting, WorkingGroup


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_app_config("drafting").get_models()
    }


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo", "--quiet-logins")
    first = _row_counts()
    call_command("seed_demo", "--quiet-logins")
    assert _row_counts() == first
    assert first["drafting.HistoricalPractice"] > Practice.objects.count()


@pytest.mark.django_db
def test_demo_forum_content():
    call_command("seed_demo", "--quiet-logins")
    assert Delegation.objects.filter(kind=Delegation.Kind.MEMBER).count() == 30
    assert Delegation.objects.filter(code="EU", kind=Delegation.Kind.MEMBER).exists()
    assert Delegation.objects.filter(code="UN", kind=Delegation.Kind.PARTNER_ORGANISATION).exists()
    assert WorkingGroup.objects.count() == 5
    document = Document.objects.get(slug="homegrown-terrorism")
    assert document.working_group.slug == "ftf"
    assert sorted(d.code for d in document.co_leads.all()) == ["MA", "US"]
    assert Practice.objects.filter(section__document=document).count() >= 20
    meetings = list(document.meetings.order_by("starts_on"))
    assert [(m.city, m.starts_on, m.kind) for m in meetings] == [
        ("Valletta", date(2017, 11, 15), ReviewMeeting.Kind.INAUGURAL),
        ("Valletta", date(2018, 1, 31), ReviewMeeting.Kind.WORKSHOP),
        ("Valletta", date(2018, 4, 25), ReviewMeeting.Kind.WORKSHOP),
        ("Rabat", date(2018, 6, 25), ReviewMeeting.Kind.REVIEW),
        ("New York", date(2018, 9, 26), ReviewMeeting.Kind.MINISTERIAL),
    ]
    assert document.target_meeting == meetings[-1]
    # Non-member partners took part in the review meeting.
    assert meetings[3].participants.exclude(kind=Delegation.Kind.MEMBER).exists()


@pytest.mark.django_db
def test_demo_history_is_attributed_and_shows_the_draft_evolving():
    call_command("seed_demo", "--quiet-logins")
    assert not Practice.history.filter(history_user__isnull=True).exists()
    users = set(Practice.history.values_list("history_user__username", flat=True))
    assert {"secretariat", "expert.ma", "expert.us", "expert.nl"} <= users

    document = Document.objects.get()
    launch = document_as_of(document, document.versions.order_by("taken_at").first().taken_at)
    now = document_as_of(document)
    assert len(launch.practices) != len(now.practices) or [p.heading for p in launch.practices] != [
        p.heading for p in now.practices
    ]
    # The practice later deleted is in the launch draft but not today's.
    assert any("Monitor the online environment" in p.heading for p in launch.practices)
    assert not any("Monitor the online environment" in p.heading for p in now.practices)


@pytest.mark.django_db
def test_demo_history_is_written_in_the_order_it_is_dated():
    """The loader back-dates rows; written in date order, history_id order agrees with the dates.

    History is ordered by history_id (drafting.history.order), and "as of a date"
    picks each object's latest row dated at or before it: both read the demo's
    scripted past the same way only if each object's rows are written in order.
    """
    call_command("seed_demo", "--quiet-logins")
    checked = 0
    for model in apps.get_app_config("drafting").get_models():
        if not hasattr(model, "history_id") or not hasattr(model, "history_date"):
            continue
        checked += 1
        rows = model.objects.order_by("id", "history_id").values_list("id", "history_date")
        previous: dict[int, object] = {}
        for object_id, when in rows:
            assert previous.get(object_id, when) <= when, (model.__name__, object_id)
            previous[object_id] = when
    assert checked >= 10  # every historical table
