"""History tables become append-only: triggers refuse UPDATE and DELETE (see drafting.history.guard).

Historical tables created by later migrations get the same triggers from the
post_migrate handler in drafting.history.guard.
"""

from django.db import migrations

from drafting.history import guard as history_guard


def add_triggers(apps, schema_editor):
    history_guard.install(
        schema_editor.connection, history_guard.historical_tables(apps.get_models())
    )


def drop_triggers(apps, schema_editor):
    history_guard.uninstall(
        schema_editor.connection, history_guard.historical_tables(apps.get_models())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("drafting", "0002_editing_presence"),
    ]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
    ]
