"""Full-text search on PostgreSQL (drafting/reads/search.py): the ``unaccent`` extension,
a text search configuration per language that removes accents before stemming, and the
practices' words in the three languages as a stored generated column with a GIN index.

A stored column rather than an expression index: ranking and filtering read the
stored words instead of parsing and stemming every matching practice three times per
search (measured: about 1 s against a few ms for 400 practices of 125 words on a
loaded machine). PostgreSQL computes the column on every insert and update, so no
write path has to know about it, and it is not a model field: the history table,
forms and SQLite never see it. The price: a later migration that changes the type of
``heading`` or ``body`` on PostgreSQL must drop the column first and add it again
(PostgreSQL refuses to alter a column a generated column uses).

Other databases get nothing here: the search reads them in Python.
"""

from django.db import migrations

CONFIGS = {"drafting_en": "english", "drafting_fr": "french", "drafting_ar": "arabic"}

# Heading words weigh A, body words B (ts_rank ranks headings first).
VECTOR = " || ".join(
    f"setweight(to_tsvector('{config}'::regconfig, coalesce(heading, '')), 'A') || "
    f"setweight(to_tsvector('{config}'::regconfig, coalesce(body, '')), 'B')"
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
        f"ALTER TABLE drafting_practice ADD COLUMN search_words tsvector "
        f"GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX drafting_practice_search ON drafting_practice USING gin (search_words)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE drafting_practice DROP COLUMN IF EXISTS search_words")
    for config in CONFIGS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {config}")


class Migration(migrations.Migration):
    dependencies = [("drafting", "0022_silence_procedure")]

    operations = [migrations.RunPython(create, drop)]
