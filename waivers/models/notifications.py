"""What people are told: in-app notifications, each also e-mailed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .cases import WaiverRequest


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
