"""Batches imported under a granted waiver, each notified and verified at once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .cases import WaiverRequest
from .documents import issued_document_path, new_verification_code
from .evidence import Certificate


class BatchStatus(models.TextChoices):
    RELEASED = "released", "Released on the CoA"
    REFUSED = "refused", "Refused"


class BatchNotification(models.Model):
    """One imported batch notified under a granted waiver, verified against it at once."""

    waiver = models.ForeignKey(WaiverRequest, on_delete=models.PROTECT, related_name="batches")
    batch_number = models.CharField(max_length=100)
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="batch_notifications"
    )
    status = models.CharField(max_length=8, choices=BatchStatus.choices)
    reasons = models.JSONField(
        default=list, help_text="Each verified point: check, status, detail."
    )
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    notified_at = models.DateTimeField(default=timezone.now)
    reference = models.CharField(max_length=24, unique=True)
    acknowledgement = models.FileField(upload_to=issued_document_path, max_length=200, blank=True)
    acknowledgement_sha256 = models.CharField(max_length=64, blank=True)
    verification_code = models.CharField(max_length=19, unique=True, default=new_verification_code)
    flagged_for_sampling = models.BooleanField(default=False)
    flag_reason = models.TextField(blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-notified_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["waiver", "batch_number"],
                condition=Q(status="released"),
                name="batch_released_once_per_waiver",
            )
        ]
