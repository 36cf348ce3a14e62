"""The append-only, hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditTrailIsAppendOnly(Exception):
    pass


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditTrailIsAppendOnly("Audit entries cannot be changed.")

    def delete(self) -> Any:
        raise AuditTrailIsAppendOnly("Audit entries cannot be deleted.")


GENESIS = "0" * 64


class AuditEntry(models.Model):
    """One step in a case's life. Each entry hashes its content and its predecessor's hash."""

    waiver = models.ForeignKey(
        "waivers.WaiverRequest", on_delete=models.PROTECT, related_name="audit_entries"
    )
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(
        max_length=300, help_text="As shown at the time; 'system' for tasks."
    )
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    changes = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["waiver", "seq"]
        verbose_name_plural = "audit entries"
        constraints = [
            models.UniqueConstraint(fields=["waiver", "seq"], name="audit_sequence_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditTrailIsAppendOnly("Audit entries cannot be deleted.")

    def content(self) -> dict[str, Any]:
        return {
            "waiver": self.waiver_id,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "changes": self.changes,
            "reason": self.reason,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(
            self.content(), sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False
        )
        return hashlib.sha256((self.prev_hash + canonical).encode()).hexdigest()
