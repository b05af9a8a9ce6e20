"""Indexes for finding passholders by the start of their name or first name, among a
million (the counter's lookup and the passholder list's search, passholders.selectors).

Each database gets what serves Django's case-insensitive ``istartswith`` there: SQLite
compares ``name LIKE 'pee%'`` without case for ASCII letters, which an index on the
column with the NOCASE collation serves; PostgreSQL compares ``UPPER(name::text) LIKE
UPPER('pee%')``, which a trigram index (pg_trgm) on that expression serves. Neither can
be written as a model index that both databases accept, so they are not in the models'
Meta; the trigram extension's operation does nothing on SQLite.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "sqlite": [
        "CREATE INDEX passholder_name_prefix_idx ON passholders_passholder (name COLLATE NOCASE)",
        "CREATE INDEX passholder_first_name_prefix_idx ON passholders_passholder (first_name COLLATE NOCASE)",
    ],
    "postgresql": [
        "CREATE INDEX passholder_name_prefix_idx ON passholders_passholder"
        " USING gin (UPPER(name::text) gin_trgm_ops)",
        "CREATE INDEX passholder_first_name_prefix_idx ON passholders_passholder"
        " USING gin (UPPER(first_name::text) gin_trgm_ops)",
    ],
}
NAMES = ["passholder_name_prefix_idx", "passholder_first_name_prefix_idx"]


def create_indexes(apps, schema_editor):
    for statement in INDEXES.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor in INDEXES:
        for name in NAMES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("passholders", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
