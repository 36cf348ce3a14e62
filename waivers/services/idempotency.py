"""How long the first answers to API POSTs with an Idempotency-Key are kept (waivers.api.idempotency)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import IdempotentResponse


def kept_since() -> datetime:
    """Answers stored before this are too old to replay."""
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def prune() -> int:
    """Forget answers too old to replay."""
    deleted, _ = IdempotentResponse.objects.filter(created_at__lt=kept_since()).delete()
    return deleted
