"""Batch notifications under a granted waiver: notify (release or refuse), flag for sampling.

The scoped reads the batch pages and the API share live in ``selectors.batches``.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from .. import audit
from ..access import NRA_ROLES
from ..batch_verification import normalise_batch_number, verify
from ..errors import InvalidInput, NotPermitted, WaiverNotInForce
from ..letters import render_pdf
from ..models import (
    GRANTED_STATES,
    BatchNotification,
    BatchStatus,
    Certificate,
    CertificateKind,
    Role,
    User,
    WaiverRequest,
)
from ..selectors import notifications as notification_reads
from . import notifications

BATCH_NUMBER_MAX: int = BatchNotification._meta.get_field("batch_number").max_length or 100


def check_may_notify(*, waiver: WaiverRequest, user: User) -> None:
    """Only the waiver's own organisation notifies batches, and only while the waiver is granted."""
    if user.role != Role.APPLICANT or user.organisation_id != waiver.organisation_id:
        raise NotPermitted("Only the applicant organisation of the waiver notifies its batches.")
    if waiver.state not in GRANTED_STATES:
        raise WaiverNotInForce(waiver.state)


def _clean_input(
    user: User, batch_number: str, certificate: Certificate | None
) -> tuple[str, Certificate]:
    errors: dict[str, list[str]] = {}
    batch = normalise_batch_number(batch_number)
    if not batch:
        errors["batch_number"] = ["Give the batch number printed on the CoA."]
    elif len(batch) > BATCH_NUMBER_MAX:
        errors["batch_number"] = [f"A batch number has at most {BATCH_NUMBER_MAX} characters."]
    if certificate is None or certificate.organisation_id != user.organisation_id:
        errors["certificate"] = ["Choose a Certificate of Analysis of your organisation."]
    elif certificate.kind != CertificateKind.COA:
        errors["certificate"] = [
            f"That is a {certificate.get_kind_display()}; choose a Certificate of Analysis."
        ]
    if errors or certificate is None:
        raise InvalidInput(errors)
    return batch, certificate


def verify_url(code: str) -> str:
    return f"{settings.SITE_URL}/verify/{code}/"


def _acknowledge(batch: BatchNotification, waiver: WaiverRequest) -> None:
    pdf = render_pdf(
        "batches/acknowledgement.html",
        {
            "batch": batch,
            "waiver": waiver,
            "policy": getattr(waiver.authority, "policy", None),
            "verify_url": verify_url(batch.verification_code),
        },
    )
    batch.acknowledgement.save(f"{batch.reference}.pdf", ContentFile(pdf), save=False)
    batch.acknowledgement_sha256 = hashlib.sha256(pdf).hexdigest()


def _tell_nra(batch: BatchNotification, waiver: WaiverRequest) -> None:
    """The NRA's reviewers and approvers hear of a refusal in the portal and by e-mail."""
    failed = "; ".join(
        f"{p['label']}: {p['detail']}" for p in batch.reasons if p["status"] != "pass"
    )
    notifications.notify(
        notifications.notices(
            notification_reads.nra_staff(waiver, *NRA_ROLES),
            event="batch_refused",
            waiver=waiver,
            occasion=batch.reference,
            batch=batch,
            failed=failed,
            batch_url=settings.SITE_URL + reverse("batches:detail", args=[batch.reference]),
        )
    )


def notify_batch(
    *, waiver: WaiverRequest, user: User, batch_number: str, certificate: Certificate | None
) -> BatchNotification:
    """Verify a batch at once and record it: released with an acknowledgement, or refused.

    A refusal is a record too (with every reason), and the NRA is told. Input that cannot even be
    verified (no batch number, someone else's or a non-CoA certificate) saves nothing.
    """
    check_may_notify(waiver=waiver, user=user)
    batch_no, certificate = _clean_input(user, batch_number, certificate)
    with transaction.atomic():
        case = (
            WaiverRequest.objects.select_for_update(of=("self",))
            .select_related("authority__policy", "product", "organisation")
            .prefetch_related(
                "sites",
                Prefetch(
                    "certificates",
                    Certificate.objects.select_related("issuing_authority").prefetch_related(
                        "issuing_authority__recognitions"
                    ),
                ),
            )
            .get(pk=waiver.pk)
        )
        check_may_notify(waiver=case, user=user)
        coa = Certificate.objects.select_related("product", "site").get(pk=certificate.pk)
        previous = BatchNotification.objects.filter(
            waiver=case, batch_number=batch_no, status=BatchStatus.RELEASED
        ).first()
        now = timezone.now()
        result = verify(waiver=case, batch=batch_no, coa=coa, on=now.date(), previous=previous)
        batch = BatchNotification.objects.create(
            waiver=case,
            batch_number=batch_no,
            certificate=coa,
            status=BatchStatus.RELEASED if result.passed else BatchStatus.REFUSED,
            reasons=result.as_reasons(),
            notified_by=user,
            notified_at=now,
            reference=f"pending-{uuid.uuid4().hex[:16]}",
        )
        # Numbered from the row's own id: unique by construction, no counter row to contend for.
        batch.reference = f"BN-{now.year}-{batch.pk:06d}"
        if result.passed:
            _acknowledge(batch, case)
        batch.save()
        audit.record(
            case,
            actor=user,
            action="notify_batch",
            from_state=case.state,
            to_state=case.state,
            changes={
                "batch": batch.reference,
                "batch_number": batch_no,
                "certificate": coa.pk,
                "status": batch.status,
            },
            reason="; ".join(p.detail for p in result.failed),
        )
        if not result.passed:
            _tell_nra(batch, case)
    return batch


def flag_batch(*, batch: BatchNotification, user: User, reason: str) -> BatchNotification:
    """Flag a released batch for post-marketing surveillance sampling, in the case's audit trail."""
    reason = (reason or "").strip()
    with transaction.atomic():
        case = WaiverRequest.objects.select_for_update().get(pk=batch.waiver_id)
        if user.role not in NRA_ROLES or user.nra_id != case.authority_id:
            raise NotPermitted("Only staff of the NRA that granted the waiver flag its batches.")
        if not reason:
            raise InvalidInput({"reason": ["Say why this batch should be sampled."]})
        locked = BatchNotification.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.RELEASED:
            raise InvalidInput({"reason": ["Only a released batch can be flagged for sampling."]})
        if locked.flagged_for_sampling:
            raise InvalidInput(
                {"reason": [f"This batch was already flagged on {locked.flagged_at:%Y-%m-%d}."]}
            )
        locked.flagged_for_sampling = True
        locked.flag_reason = reason
        locked.flagged_by = user
        locked.flagged_at = timezone.now()
        locked.save(
            update_fields=["flagged_for_sampling", "flag_reason", "flagged_by", "flagged_at"]
        )
        audit.record(
            case,
            actor=user,
            action="flag_batch",
            from_state=case.state,
            to_state=case.state,
            changes={
                "batch": locked.reference,
                "batch_number": locked.batch_number,
                "flagged_for_sampling": {"old": False, "new": True},
            },
            reason=reason,
        )
    return locked
