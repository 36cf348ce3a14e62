"""Indexes the reviewer queue needs at national scale (measured in bench/README.md).

- ``open_queue_by_submission``: open cases of one NRA in submission order; the default queue page
  reads it in order, and its count and deep pages are answered from the index alone.
- ``problem_checks_by_case``: only the warning and failing check results, for the check filter.
- PostgreSQL only: trigram indexes on the upper-cased reference, organisation name and product
  name, so a case-insensitive ``LIKE '%…%'`` search (Django's ``icontains``) uses an index.
  SQLite (the embedded default) has no pg_trgm and keeps scanning, which is fine at its size.
"""

from django.db import migrations, models

TRIGRAMS = (
    ("case_reference_trigrams", "waivers_waiverrequest", "reference"),
    ("organisation_name_trigrams", "waivers_organisation", "name"),
    ("product_name_trigrams", "waivers_product", "name"),
)


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAMS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (upper({column}::text) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in TRIGRAMS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("waivers", "0002_audit_trail_append_only")]

    operations = [
        migrations.AddIndex(
            model_name="checkresult",
            index=models.Index(
                condition=models.Q(("status", "pass"), _negated=True),
                fields=["status", "waiver"],
                name="problem_checks_by_case",
            ),
        ),
        migrations.AddIndex(
            model_name="waiverrequest",
            index=models.Index(
                condition=models.Q(
                    (
                        "state__in",
                        ("submitted", "under_review", "information_requested", "recommended"),
                    )
                ),
                fields=["authority", "submitted_at", "id"],
                name="open_queue_by_submission",
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
