"""What the portal issues and sends: decision letters, batch notifications, notifications, outbox."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .cases import WaiverRequest
from .evidence import Certificate


def new_verification_code() -> str:
    """A code printed on a document and checked on the public verification page."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_verification_code(typed: str) -> str:
    """A code as printed, from what someone typed: any case, spaces or dashes or none between groups.

    What is not sixteen characters once spaces and dashes are gone comes back compacted (and
    matches no document).
    """
    compact = "".join(ch for ch in typed.upper() if not ch.isspace() and ch != "-")
    if len(compact) != 16:
        return compact
    return "-".join(compact[i : i + 4] for i in range(0, 16, 4))


def issued_document_path(instance: models.Model, filename: str) -> str:
    return f"issued/{uuid.uuid4().hex}.pdf"


class DecisionLetter(models.Model):
    """A rendered decision letter. Never overwritten: a re-issue is a new version."""

    waiver = models.ForeignKey(WaiverRequest, on_delete=models.PROTECT, related_name="letters")
    version = models.PositiveIntegerField(default=1)
    decision = models.CharField(max_length=24, help_text="The case state the letter records.")
    file = models.FileField(upload_to=issued_document_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    verification_code = models.CharField(max_length=19, unique=True, default=new_verification_code)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["waiver", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["waiver", "version"], name="one_letter_per_version"),
            models.UniqueConstraint(fields=["waiver", "decision"], name="one_letter_per_decision"),
        ]

    def __str__(self) -> str:
        return f"Letter {self.waiver.reference} v{self.version}"


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


class Notification(models.Model):
    """An in-app notification (and the e-mail sent for it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    waiver = models.ForeignKey(
        WaiverRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(max_length=40)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    dedupe_key = models.CharField(
        max_length=200, unique=True, help_text="Makes a re-run task send nothing twice."
    )
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="unread_notifications")]


class Announcement(models.Model):
    """An occasion the expiry sweep has told people about (a certificate relied on expiring, a
    waiver nearing its end, a granted waiver's evidence failing), so it is announced only once.

    One row per occasion, not per person; the unique constraint makes two sweeps running at once
    unable to both announce it (the second one's transaction fails and is retried).
    """

    #: The unique constraint's index, led by the case, serves the sweep's look-ups: no other index.
    waiver = models.ForeignKey(
        WaiverRequest, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    occasion = models.CharField(max_length=40)
    key = models.CharField(max_length=100, help_text="What the occasion is about within the case.")
    announced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["waiver", "occasion", "key"], name="occasion_announced_once"
            )
        ]


class OutboxMessage(models.Model):
    """A task to run, written in the same transaction as the change that calls for it.

    It is dispatched after commit; if the broker is down, the periodic catch-up dispatches it
    later, so no signed decision ever goes without its letter.
    """

    task = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["done_at", "created_at"], name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.task} {self.payload}"
