"""Forging the trail behind the portal's back is found: keyed MACs, case rows and checkpoints.

Each forgery runs as a database superuser would (the append-only trigger bypassed), which is more
than the runtime role may do (tests/test_db_roles.py); verification must still name the case and
the entry, and the command must fail.
"""

import hashlib
import io
import json
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from waivers.audit import record_checkpoint, verify_all
from waivers.models import AuditEntry
from waivers.workflow import fire

from .test_deployment import manage

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="forges with PostgreSQL statements"
)


@pytest.fixture
def audited_case(case, applicant, reviewer):
    fire(case, "submit", actor=applicant)
    fire(case, "assign", actor=reviewer)
    case.refresh_from_db()
    return case


def forge(sql, params=()):
    """Run ``sql`` past the append-only triggers, as a rogue superuser could (on SQLite, anyone
    who can write the file; the test's transaction puts the dropped triggers back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            for (trigger,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {trigger}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def breaks():
    return [str(found) for found in verify_all().breaks]


def assert_command_fails_naming(text):
    err = io.StringIO()
    with pytest.raises(CommandError, match="break"):
        call_command("verify_audit_trail", stdout=io.StringIO(), stderr=err)
    assert text in err.getvalue()


def test_an_intact_trail_verifies_and_leaves_a_checkpoint(audited_case):
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out)
    assert "2 entries verified" in out.getvalue()
    assert "Checkpoint 1" in out.getvalue()
    assert record_checkpoint().seq == 2
    assert breaks() == []


def test_an_entry_edited_and_the_chain_recomputed_without_the_key_is_found(audited_case):
    prev = "0" * 64
    for entry in AuditEntry.objects.filter(waiver=audited_case).order_by("seq"):
        content = entry.content() | ({"reason": "nothing happened"} if entry.seq == 1 else {})
        canonical = json.dumps(content, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        forge(
            "UPDATE waivers_auditentry SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [content["reason"], prev, digest, entry.pk],
        )
        prev = digest
    forge("UPDATE waivers_waiverrequest SET audit_head = %s WHERE id = %s", [prev, audited_case.pk])
    assert f"{audited_case.reference} entry 1: content does not match its MAC (altered)" in breaks()
    assert_command_fails_naming(f"{audited_case.reference} entry 1")


def test_a_raw_delete_of_a_cases_last_entry_is_found(audited_case):
    forge("DELETE FROM waivers_auditentry WHERE waiver_id = %s AND seq = 2", [audited_case.pk])
    assert (
        f"{audited_case.reference} entry 2: the case records 2 entries ending in "
        f"{audited_case.audit_head[:12]}, its trail has 1 ending in "
        f"{AuditEntry.objects.get(waiver=audited_case, seq=1).hash[:12]}"
    ) in breaks()
    assert_command_fails_naming(f"{audited_case.reference} entry 2")


def test_a_deleted_last_entry_is_found_even_with_the_case_row_made_to_match(audited_case):
    record_checkpoint()
    first = AuditEntry.objects.get(waiver=audited_case, seq=1)
    forge("DELETE FROM waivers_auditentry WHERE waiver_id = %s AND seq = 2", [audited_case.pk])
    forge(
        "UPDATE waivers_waiverrequest SET audit_count = 1, audit_head = %s, state = %s "
        "WHERE id = %s",
        [first.hash, first.to_state, audited_case.pk],
    )
    assert breaks() == [
        f"{audited_case.reference} entry 2: missing: a checkpoint recorded 2 entries, "
        "the trail has 1 (entries deleted)",
        "audit trail entry 1: checkpoint 1 recorded 2 entries in all, 1 remain "
        "(entries deleted or the table truncated)",
    ]


def test_a_cases_whole_trail_deleted_is_found(audited_case):
    record_checkpoint()
    forge("DELETE FROM waivers_auditentry WHERE waiver_id = %s", [audited_case.pk])
    forge(
        "UPDATE waivers_waiverrequest SET audit_count = 0, audit_head = '' WHERE id = %s",
        [audited_case.pk],
    )
    assert (
        f"{audited_case.reference} entry 2: missing: a checkpoint recorded 2 entries, "
        "the trail has 0 (entries deleted)"
    ) in breaks()
    assert_command_fails_naming(audited_case.reference)


def test_a_case_whose_state_changed_without_an_entry_is_found(audited_case):
    forge("UPDATE waivers_waiverrequest SET state = 'approved' WHERE id = %s", [audited_case.pk])
    assert breaks() == [
        f"{audited_case.reference} entry 2: the case is 'approved' but its trail ends in "
        f"'{audited_case.state}' (changed without an entry)"
    ]
    assert_command_fails_naming(f"{audited_case.reference} entry 2")


@on_postgres
def test_a_truncated_trail_is_found(audited_case):
    record_checkpoint()
    forge("SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE waivers_auditentry")
    found = breaks()
    assert (
        f"{audited_case.reference} entry 2: the case records 2 entries ending in "
        f"{audited_case.audit_head[:12]}, its trail has 0 ending in none"
    ) in found
    assert (
        "audit trail entry 1: checkpoint 1 recorded 2 entries in all, 0 remain "
        "(entries deleted or the table truncated)"
    ) in found
    assert_command_fails_naming("0 remain")


def test_an_altered_checkpoint_is_found(audited_case):
    checkpoint = record_checkpoint()
    forge("UPDATE waivers_auditcheckpoint SET heads = '{}' WHERE id = %s", [checkpoint.pk])
    assert breaks() == ["checkpoint 1 entry 1: altered or not linked to the one before"]


SEED_ONE_AUDITED_CASE = """
from tests.factories import ApplicantFactory, ReviewerFactory, WaiverRequestFactory
from waivers.workflow import fire
case = WaiverRequestFactory()
fire(case, "submit", actor=ApplicantFactory(organisation=case.organisation))
fire(case, "assign", actor=ReviewerFactory(nra=case.authority))
print(case.reference)
"""


def test_the_embedded_defaults_sqlite_file_refuses_edits_and_its_last_entry_deleted_is_found(
    tmp_path,
):
    """The embedded default as `make run` makes it: one SQLite file, migrated, written to by the
    portal, then edited with the sqlite3 library as anyone who can write the file could."""
    database = tmp_path / "portal.sqlite3"
    embedded = {
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "MEDIA_ROOT": str(tmp_path),
    }
    for command in (["migrate"], ["shell", "-c", SEED_ONE_AUDITED_CASE], ["verify_audit_trail"]):
        ran = manage(*command, **embedded)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        if command[0] == "shell":
            reference = ran.stdout.split()[-1]
    file = sqlite3.connect(database)
    for statement in (
        "UPDATE waivers_auditentry SET reason = 'rewritten'",
        "DELETE FROM waivers_auditentry WHERE seq = 2",
        "UPDATE waivers_auditcheckpoint SET entries = 0",
        "DELETE FROM waivers_auditcheckpoint",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            file.execute(statement)
    file.execute("DROP TRIGGER waivers_audit_refuses_delete")
    file.execute("DELETE FROM waivers_auditentry WHERE seq = 2")
    file.commit()
    file.close()
    ran = manage("verify_audit_trail", **embedded)
    assert ran.returncode == 1
    assert f"{reference} entry 2: the case records 2 entries" in ran.stderr
    assert f"{reference} entry 2: missing: a checkpoint recorded 2 entries" in ran.stderr
