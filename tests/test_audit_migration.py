"""Upgrading re-MACs a trail hashed without a key, once it has checked the old hashes."""

import hashlib
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from waivers.audit import verify_all
from waivers.models import AuditEntry
from waivers.workflow import fire

from .factories import bring_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("waivers", "0010_field_names_people_read")]
AFTER = [("waivers", "0011_audit_trail_keyed")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Each test winds the schema back; the tests after it need every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    migrate(executor.loader.graph.leaf_nodes())


def hash_without_key():
    """Rewrite the trail as the release before this one hashed it (plain SHA-256)."""
    rows = list(AuditEntry.objects.order_by("waiver_id", "seq"))
    migrate(BEFORE)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE waivers_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS waivers_audit_append_only")
        prev, waiver = "0" * 64, None
        for entry in rows:
            if entry.waiver_id != waiver:
                prev, waiver = "0" * 64, entry.waiver_id
            content = {k: v for k, v in entry.content().items() if k != "chain"}
            canonical = json.dumps(
                content, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False
            )
            digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
            cursor.execute(
                "UPDATE waivers_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
                [prev, digest, entry.pk],
            )
            prev = digest
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE waivers_auditentry ENABLE TRIGGER USER")


def test_an_intact_unkeyed_trail_is_re_macd_and_anchored(case, applicant, reviewer):
    bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)
    hash_without_key()
    migrate(AFTER)
    assert verify_all().breaks == []
    case.refresh_from_db(fields=["audit_count"])  # the schema of 0011, not of the latest model
    assert case.audit_count == 2


def test_the_upgrade_stops_at_an_entry_that_does_not_match_its_old_hash(case, applicant):
    fire(case, "submit", actor=applicant)
    hash_without_key()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE waivers_auditentry DISABLE TRIGGER USER")
        cursor.execute("UPDATE waivers_auditentry SET reason = 'forged'")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE waivers_auditentry ENABLE TRIGGER USER")
    with pytest.raises(RuntimeError, match=f"audit entry 1 of case {case.pk}"):
        migrate(AFTER)
    with connection.cursor() as cursor:  # leave the database migrated for the next test
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM waivers_auditentry")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    migrate(AFTER)
