"""The audit trail is keyed, anchored and holds master data.

Entries carry the chain they belong to (a case's, or one per kind of master data); each entry's
MAC is keyed with AUDIT_KEY, so existing entries are checked against their old unkeyed hash and
re-MAC'd (a migration runs as the tables' owner, who alone may lift the append-only trigger);
each case row gets its anchor (entry count, last MAC); checkpoints are append-only like entries.
SQLite rebuilds the entries' table for the nullable case, so its trigger is created anew.
"""

import hashlib
import json

import django.db.models.deletion
import django.utils.timezone
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models

GENESIS = "0" * 64

POSTGRES_UP = [
    """
CREATE OR REPLACE FUNCTION waivers_audit_checkpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER waivers_audit_checkpoint_append_only
    BEFORE UPDATE OR DELETE ON waivers_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION waivers_audit_checkpoint_append_only();
"""
]
POSTGRES_DOWN = [
    """
DROP TRIGGER IF EXISTS waivers_audit_checkpoint_append_only ON waivers_auditcheckpoint;
DROP FUNCTION IF EXISTS waivers_audit_checkpoint_append_only();
"""
]
SQLITE_UP = [
    """CREATE TRIGGER IF NOT EXISTS waivers_audit_append_only BEFORE UPDATE ON waivers_auditentry
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused on waivers_auditentry');
    END""",
    """CREATE TRIGGER waivers_audit_checkpoint_append_only BEFORE UPDATE ON waivers_auditcheckpoint
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: UPDATE refused'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS waivers_audit_checkpoint_append_only"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


def _canonical(content):
    return json.dumps(content, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)


def rekey(apps, schema_editor):
    """Check each entry against its unkeyed hash, then MAC it with the key and anchor its case."""
    from waivers.models.audit import mac

    alias = schema_editor.connection.alias  # the owner's: the runtime role may not UPDATE
    entries = apps.get_model("waivers", "AuditEntry").objects.using(alias)
    cases = apps.get_model("waivers", "WaiverRequest").objects.using(alias)
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            "ALTER TABLE waivers_auditentry DISABLE TRIGGER waivers_audit_append_only"
        )
    waiver_id, old_prev, new_prev = None, GENESIS, GENESIS
    for entry in entries.order_by("waiver_id", "seq").iterator(chunk_size=5000):
        if entry.waiver_id != waiver_id:
            if waiver_id is not None:
                cases.filter(pk=waiver_id).update(
                    audit_count=seq, audit_head=new_prev
                )
            waiver_id, old_prev, new_prev = entry.waiver_id, GENESIS, GENESIS
        content = {
            "waiver": entry.waiver_id,
            "seq": entry.seq,
            "at": entry.at.isoformat(),
            "actor": entry.actor_id,
            "actor_name": entry.actor_name,
            "action": entry.action,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "changes": entry.changes,
            "reason": entry.reason,
        }
        if hashlib.sha256((old_prev + _canonical(content)).encode()).hexdigest() != entry.hash:
            raise RuntimeError(
                f"audit entry {entry.seq} of case {entry.waiver_id} does not match its hash: "
                "run verify_audit_trail on the release before this one and investigate first"
            )
        old_prev, seq = entry.hash, entry.seq
        link, new_prev = new_prev, mac(new_prev + _canonical({**content, "chain": "case"}))
        entries.filter(pk=entry.pk).update(prev_hash=link, hash=new_prev)
    if waiver_id is not None:
        cases.filter(pk=waiver_id).update(audit_count=seq, audit_head=new_prev)
    if postgres:
        schema_editor.execute(
            "ALTER TABLE waivers_auditentry ENABLE TRIGGER waivers_audit_append_only"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("waivers", "0010_field_names_people_read"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveIntegerField(unique=True)),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "entries",
                    models.PositiveBigIntegerField(help_text="Entries in all chains at the time."),
                ),
                ("heads", models.JSONField(default=dict)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
            ],
            options={
                "ordering": ["seq"],
            },
        ),
        migrations.AddField(
            model_name="auditentry",
            name="chain",
            field=models.CharField(
                choices=[
                    ("case", "case"),
                    ("register", "authority register"),
                    ("policy", "reliance policies"),
                    ("roles", "user roles"),
                ],
                default="case",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="waiverrequest",
            name="audit_count",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Entries in the case's audit trail (its anchor).",
            ),
        ),
        migrations.AddField(
            model_name="waiverrequest",
            name="audit_head",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The MAC of the trail's last entry.",
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="waiver",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_entries",
                to="waivers.waiverrequest",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("chain", "case"), _negated=True),
                fields=("chain", "seq"),
                name="audit_sequence_per_master_chain",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("chain", "case"), ("waiver__isnull", False)),
                    models.Q(models.Q(("chain", "case"), _negated=True), ("waiver__isnull", True)),
                    _connector="OR",
                ),
                name="audit_case_chain_has_a_case",
            ),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
