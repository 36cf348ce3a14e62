"""Archiving: a case's self-contained ZIP, the period export, verification, retention, holds."""

import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import ApplicantFactory, WaiverRequestFactory, bring_to
from tests.world import client_for as api_client
from waivers.models import AuditEntry, WaiverRequest
from waivers.services.archive import (
    due_for_archiving,
    set_legal_hold,
    verify_archive,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(recommended, approver, django_capture_on_commit_callbacks):
    """A case decided by the approver's signature, with its decision letter issued."""
    with django_capture_on_commit_callbacks(execute=True):
        case = bring_to(recommended, "decided", approver=approver)
    assert case.letters.exists()
    return case


def _archive_of(client, case):
    response = client.get(f"/nra/cases/{case.reference}/archive.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def _decided_on(case, day):
    at = datetime.combine(day, datetime.min.time(), UTC)
    WaiverRequest.objects.filter(pk=case.pk).update(submitted_at=at, decided_at=at)


def test_a_signed_case_archive_unpacks_and_every_manifest_hash_matches(
    client, signed, reviewer, tmp_path
):
    approved = signed
    client.force_login(reviewer)
    data = _archive_of(client, approved)
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        zipped.extractall(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["reference"] == approved.reference
    assert manifest["nra"] == approved.authority.code
    assert manifest["exported_by"]["username"] == reviewer.username
    paths = {f["path"] for f in manifest["files"]}
    ref = approved.reference
    assert {f"{ref}/audit-trail.csv", f"{ref}/audit-trail.pdf", f"{ref}/audit.json"} <= paths
    assert f"{ref}/letters/{ref}-decision-v1.pdf" in paths
    assert len([p for p in paths if "/evidence/" in p]) == 3
    for listed in manifest["files"]:
        content = (tmp_path / listed["path"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == listed["sha256"]
        assert len(content) == listed["size"]
    verification = json.loads((tmp_path / ref / "verification.json").read_text())
    assert verification["intact"] is True


def test_the_audit_inside_the_archive_verifies_and_the_export_is_audited(
    client, approved, reviewer, tmp_path
):
    client.force_login(reviewer)
    target = tmp_path / "case.zip"
    target.write_bytes(_archive_of(client, approved))
    out = io.StringIO()
    call_command("verify_archive", str(target), stdout=out)
    assert "the audit verifies" in out.getvalue()
    export = AuditEntry.objects.filter(waiver=approved, action="export_archive").get()
    assert export.actor == reviewer


def test_a_tampered_file_in_the_archive_is_reported(client, signed, reviewer, tmp_path):
    approved = signed
    client.force_login(reviewer)
    original = zipfile.ZipFile(io.BytesIO(_archive_of(client, approved)))
    target = tmp_path / "tampered.zip"
    letter = f"{approved.reference}/letters/{approved.reference}-decision-v1.pdf"
    with zipfile.ZipFile(target, "w") as tampered:
        for name in original.namelist():
            content = original.read(name)
            tampered.writestr(name, content + b"%" if name == letter else content)
    with pytest.raises(CommandError):
        call_command("verify_archive", str(target), stderr=io.StringIO())
    assert verify_archive(str(target)) == [
        f"{letter}: SHA-256 does not match the manifest (altered)"
    ]


def test_an_altered_audit_entry_in_the_archive_breaks_its_chain(client, approved, reviewer):
    client.force_login(reviewer)
    original = zipfile.ZipFile(io.BytesIO(_archive_of(client, approved)))
    name = f"{approved.reference}/audit.json"
    entries = json.loads(original.read(name))
    entries[0]["reason"] = "rewritten"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as tampered:
        for member in original.namelist():
            tampered.writestr(
                member, json.dumps(entries) if member == name else original.read(member)
            )
    problems = verify_archive(io.BytesIO(buffer.getvalue()))
    assert f"{name}: SHA-256 does not match the manifest (altered)" in problems
    assert any("altered" in p and "entry 1" in p for p in problems)


def test_other_nras_reviewer_and_the_applicant_cannot_export(
    client, approved, applicant, other_reviewer
):
    client.force_login(other_reviewer)
    assert client.get(f"/nra/cases/{approved.reference}/archive.zip").status_code == 404
    client.force_login(applicant)
    assert client.get(f"/nra/cases/{approved.reference}/archive.zip").status_code == 403
    assert (
        api_client(other_reviewer).get(f"/api/v1/waivers/{approved.pk}/archive/").status_code == 404
    )
    assert api_client(applicant).get(f"/api/v1/waivers/{approved.pk}/archive/").status_code == 403
    assert not AuditEntry.objects.filter(action="export_archive").exists()


def test_the_api_answers_the_archive_as_a_zip(approved, approver):
    response = api_client(approver).get(f"/api/v1/waivers/{approved.pk}/archive/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert verify_archive(io.BytesIO(b"".join(response.streaming_content))) == []


def _second_decided(case, reviewer, approver):
    other = WaiverRequestFactory(authority=case.authority)
    applicant = ApplicantFactory(organisation=other.organisation)
    return bring_to(other, "decided", applicant=applicant, reviewer=reviewer, approver=approver)


def test_the_period_export_holds_exactly_the_cases_decided_in_it(
    client, approved, reviewer, approver
):
    inside = _second_decided(approved, reviewer, approver)
    outside = _second_decided(approved, reviewer, approver)
    _decided_on(approved, date(2026, 3, 1))
    _decided_on(inside, date(2026, 3, 31))
    _decided_on(outside, date(2026, 4, 1))
    client.force_login(approver)
    response = client.post("/nra/archives/", {"start": "2026-03-01", "end": "2026-03-31"})
    assert response["Content-Type"] == "application/zip"
    data = io.BytesIO(b"".join(response.streaming_content))
    manifest = json.loads(zipfile.ZipFile(data).read("manifest.json"))
    assert {c["reference"] for c in manifest["cases"]} == {approved.reference, inside.reference}
    assert verify_archive(data) == []


def test_a_period_that_ends_before_it_starts_is_a_form_error(client, approver):
    client.force_login(approver)
    response = client.post("/nra/archives/", {"start": "2026-03-02", "end": "2026-03-01"})
    assert response.status_code == 200
    assert "The period ends before it starts." in response.content.decode()


def test_retention_listing_excludes_recent_and_held_cases(
    client, approved, reviewer, approver, django_assert_max_num_queries
):
    old = _second_decided(approved, reviewer, approver)
    held = _second_decided(approved, reviewer, approver)
    _decided_on(old, date(2005, 1, 1))
    _decided_on(held, date(2005, 1, 1))
    set_legal_hold(case=held, user=approver, hold=True, reason="Litigation 2026/14")
    assert list(due_for_archiving()) == [old]
    policy = approved.authority.policy
    policy.retention_years = 30
    policy.save()
    assert list(due_for_archiving()) == []
    policy.retention_years = 15
    policy.save()
    for _ in range(3):
        _decided_on(_second_decided(approved, reviewer, approver), date(2004, 1, 1))
    client.force_login(approver)
    with django_assert_max_num_queries(12):
        page = client.get("/nra/archives/").content.decode()
    assert old.reference in page and held.reference not in page
    assert approved.reference not in page
    out = io.StringIO()
    call_command("list_for_archiving", stdout=out)
    assert old.reference in out.getvalue() and "4 case(s)" in out.getvalue()


def test_legal_hold_set_and_released_by_an_approver_is_audited(client, approved, approver):
    client.force_login(approver)
    url = f"/nra/cases/{approved.reference}/legal-hold/"
    client.post(url, {"hold": "1", "reason": "Litigation 2026/14"})
    approved.refresh_from_db()
    assert approved.legal_hold and approved.legal_hold_reason == "Litigation 2026/14"
    client.post(url, {"hold": "0", "reason": "Settled"})
    approved.refresh_from_db()
    assert not approved.legal_hold
    entries = AuditEntry.objects.filter(waiver=approved).order_by("seq")
    hold, release = entries.filter(action__in=["legal_hold", "release_legal_hold"])
    assert (hold.action, hold.reason, hold.actor) == ("legal_hold", "Litigation 2026/14", approver)
    assert (release.action, release.reason) == ("release_legal_hold", "Settled")


def test_a_reviewer_may_not_set_a_legal_hold_nor_anyone_without_a_reason(
    client, approved, reviewer, approver
):
    client.force_login(reviewer)
    url = f"/nra/cases/{approved.reference}/legal-hold/"
    assert client.post(url, {"hold": "1", "reason": "x"}).status_code == 403
    client.force_login(approver)
    client.post(url, {"hold": "1", "reason": "  "})
    approved.refresh_from_db()
    assert not approved.legal_hold
    assert not AuditEntry.objects.filter(waiver=approved, action="legal_hold").exists()


def test_legal_hold_over_the_api_is_for_approvers_with_a_reason(approved, approver, reviewer):
    url = f"/api/v1/waivers/{approved.pk}/legal-hold/"
    assert (
        api_client(reviewer).post(url, {"hold": True, "reason": "x"}, format="json").status_code
        == 403
    )
    refused = api_client(approver).post(url, {"hold": True, "reason": " "}, format="json")
    assert refused.status_code == 400
    response = api_client(approver).post(url, {"hold": True, "reason": "Litigation"}, format="json")
    assert response.status_code == 200 and response.json()["hold"] is True
    again = api_client(approver).post(url, {"hold": True, "reason": "Again"}, format="json")
    assert again.status_code == 400
    released = api_client(approver).post(url, {"hold": False, "reason": "Settled"}, format="json")
    assert released.json() == {"hold": False, "legal_hold_reason": ""}
    actions = AuditEntry.objects.filter(waiver=approved).values_list("action", flat=True)
    assert list(actions)[-2:] == ["legal_hold", "release_legal_hold"]
