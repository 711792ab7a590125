"""Full-text search on PostgreSQL (drafting/reads/search.py): the ``unaccent`` extension,
a text search configuration per language that removes accents before stemming, and a
GIN index on the practices' words in the three languages.

An expression index rather than a stored search column: the column would be copied
into the history table on every recorded change and would need a twin on SQLite,
while the expression costs nothing to maintain on writes. The expression must stay
identical to ``_PracticeVector`` in drafting/reads/search.py or the index is not used.

Other databases get nothing here: the search reads them in Python.
"""

from django.db import migrations

CONFIGS = {"drafting_en": "english", "drafting_fr": "french", "drafting_ar": "arabic"}

VECTOR = " || ".join(
    f"setweight(to_tsvector('{config}'::regconfig, heading), 'A') || "
    f"setweight(to_tsvector('{config}'::regconfig, body), 'B')"
    for config in CONFIGS
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for config, language in CONFIGS.items():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {config} CASCADE")
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = {language})")
        # unaccent is a filtering dictionary: it passes the bare word on to the stemmer.
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING FOR "
            f"asciiword, asciihword, hword_asciipart, word, hword, hword_part "
            f"WITH unaccent, {language}_stem"
        )
    schema_editor.execute(
        f"CREATE INDEX drafting_practice_search ON drafting_practice USING gin (({VECTOR}))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS drafting_practice_search")
    for config in CONFIGS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {config}")


class Migration(migrations.Migration):
    dependencies = [("drafting", "0020_notifications")]

    operations = [migrations.RunPython(create, drop)]
