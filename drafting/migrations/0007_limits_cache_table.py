"""The shared cache's table (settings.CACHES["default"], drafting.cache).

Made by a migration so that ``migrate`` alone prepares a fresh database, in
``make run``, ``make test``, CI and production alike: the same as running
``manage.py createcachetable``, which is safe to run again.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_default_cache_table(apps, schema_editor):
    table = settings.CACHES["default"].get("LOCATION")
    if table and table in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):

    dependencies = [
        ('drafting', '0006_text_format_validators'),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, drop_default_cache_table),
    ]
