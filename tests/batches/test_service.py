"""Notifying a batch: released with a verifiable acknowledgement, or refused and the NRA told."""

import hashlib
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from waivers import audit, letters
from waivers.errors import InvalidInput, NotPermitted, WaiverNotInForce
from waivers.models import AuditEntry, BatchNotification, BatchStatus, Notification
from waivers.services.batches import flag_batch, notify_batch

from ..factories import CertificateFactory, CoaFactory, ReviewerFactory
from .scene import coa_for

pytestmark = pytest.mark.django_db


def pdf_text(field) -> str:
    with field.open("rb") as handle:
        data = handle.read()
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_verified_batch_is_released_with_a_verifiable_acknowledgement(
    granted, coa, applicant, settings
):
    batch = notify_batch(waiver=granted, user=applicant, batch_number=" LOT-001 ", certificate=coa)
    assert batch.status == BatchStatus.RELEASED
    assert batch.batch_number == "LOT-001"
    assert re.fullmatch(rf"BN-{timezone.now().year}-\d{{6}}", batch.reference)
    with batch.acknowledgement.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == batch.acknowledgement_sha256
    text = pdf_text(batch.acknowledgement)
    for expected in (
        batch.reference,
        "LOT-001",
        granted.product.name,
        batch.verification_code,
        f"{settings.SITE_URL}/verify/{batch.verification_code}/",
    ):
        assert expected in text
    verified = letters.verify(batch.verification_code.lower())
    assert verified.document == "batch acknowledgement"
    assert verified.reference == batch.reference
    assert all(point["status"] == "pass" for point in batch.reasons)


def test_a_failing_batch_is_refused_with_its_reasons_and_no_acknowledgement(granted, applicant):
    coa = coa_for(granted, conforms=False)
    batch = notify_batch(waiver=granted, user=applicant, batch_number="LOT-001", certificate=coa)
    assert batch.status == BatchStatus.REFUSED
    failed = [p for p in batch.reasons if p["status"] == "fail"]
    assert [p["check"] for p in failed] == ["conformity"]
    assert failed[0]["label"] == "Batch conforms to its specification"
    assert not batch.acknowledgement
    assert letters.verify(batch.verification_code) is None


def test_the_nra_staff_are_told_of_a_refusal_in_app_and_by_email(
    granted, applicant, reviewer, approver, other_reviewer, django_capture_on_commit_callbacks
):
    coa = coa_for(granted, batch_number="LOT-777")
    with django_capture_on_commit_callbacks(execute=True):
        batch = notify_batch(
            waiver=granted, user=applicant, batch_number="LOT-001", certificate=coa
        )
    told = Notification.objects.filter(event="batch_refused")
    assert {n.user for n in told} == {reviewer, approver}
    assert all(n.emailed_at is not None for n in told)
    assert "not for batch LOT-001" in told.first().body
    refusals = [
        m for m in mail.outbox if m.subject == f"Batch LOT-001 refused under {granted.reference}"
    ]
    assert sorted(m.to[0] for m in refusals) == sorted([reviewer.email, approver.email])
    assert batch.reference in refusals[0].body
    assert not Notification.objects.filter(user=other_reviewer).exists()


def test_a_released_batch_tells_nobody(granted, coa, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_batch(waiver=granted, user=applicant, batch_number="LOT-001", certificate=coa)
    assert not Notification.objects.filter(event="batch_refused").exists()
    assert not [m for m in mail.outbox if "LOT-001" in m.subject]


def test_the_same_batch_cannot_be_released_twice_under_a_waiver(granted, coa, applicant):
    first = notify_batch(waiver=granted, user=applicant, batch_number="LOT-001", certificate=coa)
    again = notify_batch(waiver=granted, user=applicant, batch_number="LOT-001", certificate=coa)
    assert again.status == BatchStatus.REFUSED
    reason = next(p for p in again.reasons if p["check"] == "not_notified_before")
    assert first.reference in reason["detail"]
    assert BatchNotification.objects.filter(status=BatchStatus.RELEASED).count() == 1


def test_a_refused_batch_can_be_notified_again_with_a_corrected_coa(granted, applicant):
    wrong = coa_for(granted, conforms=None)
    refused = notify_batch(
        waiver=granted, user=applicant, batch_number="LOT-001", certificate=wrong
    )
    corrected = coa_for(granted)
    released = notify_batch(
        waiver=granted, user=applicant, batch_number="LOT-001", certificate=corrected
    )
    assert (refused.status, released.status) == (BatchStatus.REFUSED, BatchStatus.RELEASED)
    assert refused.reference != released.reference


def test_every_notification_is_in_the_case_audit_trail(granted, applicant):
    notify_batch(
        waiver=granted,
        user=applicant,
        batch_number="LOT-001",
        certificate=coa_for(granted, conforms=False),
    )
    entry = AuditEntry.objects.filter(waiver=granted).order_by("-seq").first()
    assert entry.action == "notify_batch"
    assert entry.actor == applicant
    assert entry.changes["status"] == "refused"
    assert "does not conform" in entry.reason
    assert list(audit.verify_entries(granted.reference, audit.entries_for(granted))) == []


@pytest.mark.parametrize(
    ("batch_number", "field"),
    [("", "batch_number"), ("   ", "batch_number"), ("X" * 101, "batch_number")],
)
def test_a_missing_or_overlong_batch_number_saves_nothing(
    granted, coa, applicant, batch_number, field
):
    entries = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        notify_batch(waiver=granted, user=applicant, batch_number=batch_number, certificate=coa)
    assert field in refused.value.errors
    assert not BatchNotification.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_another_organisations_coa_is_refused_as_input(granted, applicant):
    foreign = CoaFactory(batch_number="LOT-001")
    with pytest.raises(InvalidInput) as refused:
        notify_batch(waiver=granted, user=applicant, batch_number="LOT-001", certificate=foreign)
    assert refused.value.errors["certificate"] == [
        "Choose a Certificate of Analysis of your organisation."
    ]
    assert not BatchNotification.objects.exists()


def test_a_gmp_certificate_is_not_a_coa(granted, applicant):
    gmp = CertificateFactory(organisation=granted.organisation)
    with pytest.raises(InvalidInput) as refused:
        notify_batch(waiver=granted, user=applicant, batch_number="LOT-001", certificate=gmp)
    assert "choose a Certificate of Analysis" in refused.value.errors["certificate"][0]
    assert not BatchNotification.objects.exists()


def test_no_batch_is_notified_under_a_waiver_that_is_not_granted(case, applicant):
    with pytest.raises(WaiverNotInForce) as refused:
        notify_batch(waiver=case, user=applicant, batch_number="LOT-001", certificate=coa_for(case))
    assert refused.value.state == "draft"
    assert refused.value.status == 409
    assert "only be notified under an approved waiver" in refused.value.message
    assert not BatchNotification.objects.exists()


def test_nra_staff_cannot_notify_a_batch(granted, coa, reviewer):
    with pytest.raises(NotPermitted):
        notify_batch(waiver=granted, user=reviewer, batch_number="LOT-001", certificate=coa)
    assert not BatchNotification.objects.exists()


@pytest.fixture
def released(granted, coa, applicant):
    return notify_batch(waiver=granted, user=applicant, batch_number="LOT-001", certificate=coa)


def test_a_reviewer_flags_a_released_batch_for_sampling_in_the_audit_trail(released, reviewer):
    flagged = flag_batch(batch=released, user=reviewer, reason="  Cold-chain excursion reported. ")
    assert flagged.flagged_for_sampling
    assert (flagged.flag_reason, flagged.flagged_by) == ("Cold-chain excursion reported.", reviewer)
    assert flagged.flagged_at is not None
    entry = AuditEntry.objects.filter(waiver=released.waiver).order_by("-seq").first()
    assert (entry.action, entry.actor, entry.reason) == (
        "flag_batch",
        reviewer,
        "Cold-chain excursion reported.",
    )
    assert entry.changes["batch"] == released.reference


def test_flagging_needs_a_reason_and_changes_nothing_without_one(released, reviewer):
    with pytest.raises(InvalidInput) as refused:
        flag_batch(batch=released, user=reviewer, reason="  ")
    assert "reason" in refused.value.errors
    released.refresh_from_db()
    assert not released.flagged_for_sampling
    assert not AuditEntry.objects.filter(action="flag_batch").exists()


def test_a_batch_is_flagged_once(released, reviewer, approver):
    flag_batch(batch=released, user=reviewer, reason="Sampling plan 2026.")
    with pytest.raises(InvalidInput) as refused:
        flag_batch(batch=released, user=approver, reason="Again.")
    assert "already flagged" in refused.value.errors["reason"][0]


def test_a_refused_batch_cannot_be_flagged(granted, applicant, reviewer):
    refused = notify_batch(
        waiver=granted,
        user=applicant,
        batch_number="LOT-001",
        certificate=coa_for(granted, conforms=False),
    )
    with pytest.raises(InvalidInput):
        flag_batch(batch=refused, user=reviewer, reason="Check it.")


@pytest.mark.parametrize("who", ["applicant", "other NRA"])
def test_only_staff_of_the_deciding_nra_flag_batches(released, applicant, who):
    user = applicant if who == "applicant" else ReviewerFactory()
    with pytest.raises(NotPermitted):
        flag_batch(batch=released, user=user, reason="Curious.")
    released.refresh_from_db()
    assert not released.flagged_for_sampling
