"""The audit trail: append-only in the ORM and in the database, hash-chained, verifiable."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from waivers.audit import record_checkpoint, verify_all
from waivers.models import AuditCheckpoint, AuditEntry
from waivers.models.audit import AuditTrailIsAppendOnly

from .factories import WaiverRequestFactory, bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def audited_case(case, applicant, reviewer):
    return bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)


def test_orm_refuses_to_change_or_delete_entries(audited_case):
    entry = AuditEntry.objects.filter(waiver=audited_case).first()
    entry.reason = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(waiver=audited_case).update(reason="x")


def test_database_refuses_an_update_behind_the_orms_back(audited_case):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE waivers_auditentry SET reason = 'rewritten'")
    assert not AuditEntry.objects.filter(reason="rewritten").exists()


def test_database_refuses_a_delete_behind_the_orms_back(audited_case):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM waivers_auditentry")
    assert AuditEntry.objects.filter(waiver=audited_case).count() == 2


def test_database_refuses_to_change_or_delete_a_checkpoint(audited_case):
    record_checkpoint()
    for statement in (
        "UPDATE waivers_auditcheckpoint SET entries = 0",
        "DELETE FROM waivers_auditcheckpoint",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditCheckpoint.objects.get().entries == 2


def test_each_entry_links_to_the_one_before(audited_case):
    first, second = AuditEntry.objects.filter(waiver=audited_case).order_by("seq")
    assert second.prev_hash == first.hash
    assert second.changes["reviewer_id"]["new"] is not None


def test_verification_reports_intact_trail(audited_case):
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out)
    assert "2 entries verified" in out.getvalue()


def test_verification_finds_an_entry_altered_with_the_trigger_disabled(audited_case):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SET LOCAL session_replication_role = replica"
            )  # what a rogue superuser does
        else:
            cursor.execute("DROP TRIGGER waivers_audit_append_only")
        cursor.execute("UPDATE waivers_auditentry SET reason = 'nothing happened' WHERE seq = 1")
    with pytest.raises(CommandError) as found:
        call_command("verify_audit_trail", stdout=io.StringIO(), stderr=io.StringIO())
    assert "1 break" in str(found.value)


@pytest.mark.django_db(transaction=True)
def test_parallel_verification_finds_the_one_altered_entry_among_many_cases(
    case, applicant, reviewer
):
    cases = [case] + [
        WaiverRequestFactory(organisation=case.organisation, authority=case.authority)
        for _ in range(5)
    ]
    for case in cases:
        bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)
    altered = cases[4]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER waivers_audit_append_only")
        cursor.execute(
            "UPDATE waivers_auditentry SET reason = 'forged' WHERE waiver_id = %s AND seq = 2",
            [altered.pk],
        )
    verified = verify_all(workers=3)
    assert verified.entries == 12
    assert [(b.reference, b.seq) for b in verified.breaks] == [(altered.reference, 2)]
    assert "altered" in verified.breaks[0].problem
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 break"):
        call_command("verify_audit_trail", "--workers", "2", stdout=io.StringIO(), stderr=err)
    assert altered.reference in err.getvalue()
