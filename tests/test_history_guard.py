"""History cannot be rewritten: append-only tables, no admin revert, users never deleted,
and a change never commits without its history row."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from simple_history.signals import pre_create_historical_record

from drafting import actions
from drafting.history import guard as history_guard
from drafting.models import Practice
from tests.conftest import PASSWORD, login, make_document, make_user

User = get_user_model()
HistoricalPractice = Practice.history.model


def _refused():
    return pytest.raises(IntegrityError, match="History is append-only")


def test_every_historical_table_carries_the_append_only_triggers(db):
    tables = history_guard.historical_tables(apps.get_models())
    assert "drafting_historicalpractice" in tables
    assert "drafting_historicaldocument_co_leads" in tables  # many-to-many history too
    assert set(tables) <= history_guard.installed_tables(connection)


def test_history_rows_cannot_be_updated(secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    row = HistoricalPractice.objects.filter(id=document.sections.get().practices.get().pk).get()
    with _refused(), transaction.atomic():
        HistoricalPractice.objects.filter(pk=row.pk).update(history_change_reason="rewritten")
    row.history_change_reason = "rewritten"
    with _refused(), transaction.atomic():
        row.save()
    row.refresh_from_db()
    assert row.history_change_reason == "Test practice."


def test_history_rows_cannot_be_deleted_even_with_raw_sql(secretariat):
    make_document(by=secretariat, sections=1, practices=2)
    count = HistoricalPractice.objects.count()
    with _refused(), transaction.atomic():
        HistoricalPractice.objects.all().delete()
    with _refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {HistoricalPractice._meta.db_table}")  # noqa: S608
    if connection.vendor == "postgresql":
        with _refused(), transaction.atomic(), connection.cursor() as cursor:
            # (TRUNCATE refuses to run while this transaction's own checks are pending.)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {HistoricalPractice._meta.db_table}")
    assert HistoricalPractice.objects.count() == count


def test_maintenance_switch_is_held_by_one_block_of_one_connection(secretariat):
    make_document(by=secretariat, sections=1, practices=1)
    assert not history_guard.in_maintenance(connection)
    with transaction.atomic():
        with history_guard.maintenance(connection):
            assert history_guard.in_maintenance(connection)
            HistoricalPractice.objects.all().delete()
            assert HistoricalPractice.objects.count() == 0
        transaction.set_rollback(True)
    assert not history_guard.in_maintenance(connection)
    assert HistoricalPractice.objects.count() == 1
    with _refused(), transaction.atomic():
        HistoricalPractice.objects.all().delete()


def test_only_the_flush_command_holds_the_maintenance_switch():
    """No view, service or setting can reach the switch: only `flush` calls it."""
    from pathlib import Path

    package = Path(history_guard.__file__).parent.parent
    callers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "guard.py" and "maintenance(" in path.read_text()
    )
    assert callers == ["management/commands/flush.py"]


@pytest.mark.django_db(transaction=True)
def test_flush_empties_history_as_test_teardown_needs(secretariat):
    make_document(by=secretariat, sections=1, practices=1)
    assert HistoricalPractice.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not HistoricalPractice.objects.exists()
    assert not history_guard.in_maintenance(connection)


# --- the admin offers no way to rewrite history ---------------------------------------------


@pytest.fixture
def admin_client(client, secretariat):
    secretariat.is_staff = secretariat.is_superuser = True
    secretariat.save()
    return login(client, secretariat)


def test_admin_cannot_revert_to_an_old_version(admin_client, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    first = practice.history.get()
    actions.update_practice(
        practice, by=secretariat, heading="Newer heading", body="b", base_revision=1
    )
    url = reverse("admin:drafting_practice_simple_history", args=[practice.pk, first.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Revert" not in page.content.decode()
    response = admin_client.post(
        url,
        {"section": practice.section_id, "position": practice.position, "heading": "Old"},
    )
    assert response.status_code == 403
    practice.refresh_from_db()
    assert practice.heading == "Newer heading"


def test_admin_has_no_pages_for_history_tables():
    from django.contrib import admin

    registered = admin.site._registry
    assert not [m for m in registered if issubclass(m, history_guard.HistoricalChanges)]


# --- users are deactivated, never deleted ---------------------------------------------------


def test_users_cannot_be_deleted_so_history_keeps_its_authors(admin_client, expert):
    assert admin_client.get(reverse("admin:auth_user_delete", args=[expert.pk])).status_code == 403
    changelist = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "delete_selected" not in changelist
    # Even a user with no drafting role and no history is kept.
    bystander = make_user(None)
    with (
        pytest.raises(history_guard.UserDeletionRefused, match="Deactivate the account"),
        transaction.atomic(),
    ):
        bystander.delete()
    # One with a profile and history is refused by whichever guard the deletion meets first.
    with (
        pytest.raises((history_guard.UserDeletionRefused, ProtectedError, IntegrityError)),
        transaction.atomic(),
    ):
        expert.delete()
    assert User.objects.filter(pk__in=[expert.pk, bystander.pk]).count() == 2


def test_a_deactivated_user_can_no_longer_log_in(expert):
    expert.is_active = False
    expert.save()
    client = Client()
    response = client.post(reverse("login"), {"username": expert.username, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


# --- a change and its history row commit together --------------------------------------------


@pytest.fixture
def break_history_writes():
    """Call it to make every following history write fail, as a full disk or lost link would."""

    def fail(sender, **kwargs):
        raise DatabaseError("history table unavailable")

    def arm():
        pre_create_historical_record.connect(fail, dispatch_uid="test-break-history")

    yield arm
    pre_create_historical_record.disconnect(dispatch_uid="test-break-history")


@pytest.mark.django_db(transaction=True)
def test_a_change_whose_history_write_fails_is_not_saved(secretariat, break_history_writes):
    # Transactional: each write really commits (or not), as in production.
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    rows = HistoricalPractice.objects.count()

    break_history_writes()
    with pytest.raises(DatabaseError, match="history table unavailable"):
        actions.update_practice(
            practice, by=secretariat, heading="Lost change", body="x", base_revision=1
        )
    practice.refresh_from_db()
    assert (practice.heading, practice.revision) == ("Practice 1.1", 1)
    assert HistoricalPractice.objects.count() == rows


def test_a_change_refused_by_the_database_at_history_time_is_not_saved(secretariat):
    """The history insert itself fails inside the database; the change goes with it."""
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    table = HistoricalPractice._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f'CREATE TRIGGER "test_refuse_insert" BEFORE INSERT ON "{table}" '
                "BEGIN SELECT RAISE(ABORT, 'history insert refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION test_refuse_insert() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'history insert refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f'CREATE TRIGGER "test_refuse_insert" BEFORE INSERT ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_insert()"
            )
    # (The test's own transaction rolls the temporary trigger back afterwards.)
    with pytest.raises(DatabaseError, match="history insert refused"):
        actions.update_practice(
            practice, by=secretariat, heading="Lost change", body="x", base_revision=1
        )
    practice.refresh_from_db()
    assert (practice.heading, practice.revision) == ("Practice 1.1", 1)
