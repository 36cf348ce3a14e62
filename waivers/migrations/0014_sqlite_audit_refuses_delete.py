"""On SQLite, the embedded default, the audit trail and its checkpoints refuse DELETE too.

Until now SQLite's triggers refused UPDATE only, because the test suite emptied its tables row by
row; the tests now lift these triggers for that themselves (tests/conftest.py). PostgreSQL's
triggers already refuse both (0002, 0011), and only SQLite runs this migration. A later migration
that makes SQLite rebuild either table drops its triggers with it and must create them again.
"""

from django.db import migrations

TRIGGERS = {
    "waivers_audit_refuses_delete": (
        "waivers_auditentry",
        "the audit trail is append-only: DELETE refused on waivers_auditentry",
    ),
    "waivers_audit_checkpoint_refuses_delete": (
        "waivers_auditcheckpoint",
        "audit checkpoints are append-only: DELETE refused",
    ),
}
CREATE = (
    "CREATE TRIGGER IF NOT EXISTS {name} BEFORE DELETE ON {table} "
    "BEGIN SELECT RAISE(ABORT, '{message}'); END"
)
DROP = "DROP TRIGGER IF EXISTS {name}"


def statements(template):
    return [
        template.format(name=name, table=table, message=message)
        for name, (table, message) in TRIGGERS.items()
    ]


def _run(template):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements(template):
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("waivers", "0013_idempotent_responses")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
