"""Checkpoints kept off the system: exported signed, e-mailed each hour, checked against later.

A copy kept elsewhere is what shows a trail rewritten or truncated up to a checkpoint by someone
who can also rewrite the checkpoints (or holds AUDIT_KEY and recomputes every MAC).
"""

import io
import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from waivers.audit import record_checkpoint, verify_all
from waivers.models import AuditEntry, WaiverRequest
from waivers.models.audit import mac
from waivers.tasks import record_audit_checkpoint
from waivers.workflow import fire

from .test_audit_integrity import forge

pytestmark = pytest.mark.django_db


@pytest.fixture
def audited_case(case, applicant, reviewer):
    fire(case, "submit", actor=applicant)
    fire(case, "assign", actor=reviewer)
    case.refresh_from_db()
    return case


@pytest.fixture
def exported(audited_case, tmp_path):
    """verify_audit_trail --export-checkpoint: the file an operator keeps off the system."""
    path = tmp_path / "checkpoint.json"
    out = io.StringIO()
    call_command("verify_audit_trail", "--export-checkpoint", str(path), stdout=out)
    assert f"Exported to {path}." in out.getvalue()
    return path


def verify_against(path):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "verify_audit_trail", "--against-checkpoint", str(path), stdout=out, stderr=err
        )
    except CommandError as exc:
        return str(exc), err.getvalue()
    return None, out.getvalue()


def test_the_exported_checkpoint_is_signed_json_naming_the_site_and_the_trail(exported, settings):
    record = json.loads(exported.read_text())
    assert record["format"] == "reliance-waiver-portal/audit-checkpoint/1"
    assert record["site"] == settings.SITE_URL
    assert (record["seq"], record["entries"]) == (1, 2)
    assert len(record["signature"]) == 64


def test_a_trail_that_grew_since_the_export_still_matches_it(exported, audited_case):
    fire(audited_case, "request_information", actor=audited_case.reviewer, message="Which site?")
    failed, out = verify_against(exported)
    assert failed is None
    assert "Audit trail intact: 3 entries verified." in out
    assert "It holds checkpoint 1 of " in out


def test_a_truncated_trail_with_its_checkpoints_and_case_rows_gone_is_found(exported, audited_case):
    forge("DELETE FROM waivers_auditentry")
    forge("DELETE FROM waivers_auditcheckpoint")
    forge("UPDATE waivers_waiverrequest SET audit_count = 0, audit_head = ''")
    assert verify_all().breaks == []  # nothing left on the system tells
    failed, err = verify_against(exported)
    assert failed == "2 break(s) in the audit trail."
    at = json.loads(exported.read_text())["at"]
    assert (
        f"exported checkpoint 1 entry 1: of {at} is missing from the trail "
        "(checkpoints deleted or truncated)"
    ) in err
    assert (
        "exported checkpoint 1 entry 1: recorded 2 entries in all, 0 remain "
        "(entries deleted or the table truncated)"
    ) in err


def test_a_trail_rewritten_with_the_key_and_checkpointed_afresh_is_found(exported, audited_case):
    """Whoever holds AUDIT_KEY can recompute every MAC and checkpoint; not the copy kept away."""
    prev = "0" * 64
    for entry in AuditEntry.objects.filter(waiver=audited_case).order_by("seq"):
        if entry.seq == 1:
            entry.reason = "nothing happened"
        entry.prev_hash = prev
        prev = entry.compute_hash()
        forge(
            "UPDATE waivers_auditentry SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [entry.reason, entry.prev_hash, prev, entry.pk],
        )
    forge("UPDATE waivers_waiverrequest SET audit_head = %s WHERE id = %s", [prev, audited_case.pk])
    forge("DELETE FROM waivers_auditcheckpoint")
    record_checkpoint()
    assert verify_all().breaks == []
    failed, err = verify_against(exported)
    assert failed == "1 break(s) in the audit trail."
    assert (
        "exported checkpoint 1 entry 1: is not the checkpoint the trail holds now (rewritten)"
    ) in err


@pytest.mark.parametrize(
    "edit",
    [
        {"entries": 0},  # made to match a truncated trail
        {"signature": mac("anything")},
        {"format": "something else"},
    ],
)
def test_an_altered_export_is_refused(exported, edit):
    exported.write_text(json.dumps(json.loads(exported.read_text()) | edit))
    failed, _ = verify_against(exported)
    assert failed == (
        f"{exported} is not a checkpoint this portal exported: altered, or signed with another "
        "AUDIT_KEY."
    )


def test_a_file_that_is_not_json_is_refused(tmp_path, audited_case):
    path = tmp_path / "notes.txt"
    path.write_text("checkpoint 1, MAC 12ab")
    failed, _ = verify_against(path)
    assert failed.startswith(f"{path} is not a readable exported checkpoint:")


def test_the_hourly_checkpoint_is_e_mailed_off_the_system(audited_case, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_EMAIL = ["qa@example.org", "archive@example.org"]
    record_audit_checkpoint()
    (message,) = mail.outbox
    assert message.to == ["qa@example.org", "archive@example.org"]
    assert message.subject == "Audit checkpoint 1: 2 entries"
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("audit-checkpoint-1.json", "application/json")
    path = tmp_path / name
    path.write_text(content)
    assert verify_against(path)[0] is None
    WaiverRequest.objects.filter(pk=audited_case.pk).update(state="approved")
    assert verify_against(path)[0] == "1 break(s) in the audit trail."


def test_no_checkpoint_is_e_mailed_without_recipients(audited_case, settings):
    settings.AUDIT_CHECKPOINT_EMAIL = []
    record_audit_checkpoint()
    assert mail.outbox == []
