"""The audit trail refuses UPDATE and DELETE in the database itself, not only in the ORM.

PostgreSQL: a row-level trigger on UPDATE and DELETE (TRUNCATE, which test databases use to reset,
is a separate statement that row triggers do not see). SQLite: a trigger on UPDATE only, because
its test reset deletes rows one by one.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION waivers_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused on waivers_auditentry', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER waivers_audit_append_only
    BEFORE UPDATE OR DELETE ON waivers_auditentry
    FOR EACH ROW EXECUTE FUNCTION waivers_audit_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS waivers_audit_append_only ON waivers_auditentry;
DROP FUNCTION IF EXISTS waivers_audit_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER waivers_audit_append_only BEFORE UPDATE ON waivers_auditentry
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused on waivers_auditentry'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS waivers_audit_append_only;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("waivers", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
