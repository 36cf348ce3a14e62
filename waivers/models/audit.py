"""The append-only audit trail, chained with a keyed MAC and anchored outside its own table."""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import cache
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


@cache
def _keyed() -> hmac.HMAC:
    """HMAC-SHA256 primed with ``AUDIT_KEY``; each MAC copies it instead of re-deriving the key."""
    return hmac.new(settings.AUDIT_KEY.encode(), digestmod=hashlib.sha256)


def mac(message: str) -> str:
    keyed = _keyed().copy()
    keyed.update(message.encode())
    return keyed.hexdigest()


class Chain(models.TextChoices):
    """A trail's chain: each case has its own; master data has one per kind, not tied to a case."""

    CASE = "case", "case"
    REGISTER = "register", "authority register"
    POLICY = "policy", "reliance policies"
    ROLES = "roles", "user roles"


class AuditEntry(models.Model):
    """One step in a chain: a case's life or a master-data change.

    Each entry's ``hash`` is a keyed MAC over its content and its predecessor's MAC, so the chain
    cannot be recomputed without ``AUDIT_KEY``.
    """

    chain = models.CharField(max_length=16, choices=Chain.choices, default=Chain.CASE)
    waiver = models.ForeignKey(
        "waivers.WaiverRequest",
        null=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
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
            models.UniqueConstraint(fields=["waiver", "seq"], name="audit_sequence_per_case"),
            models.UniqueConstraint(
                fields=["chain", "seq"],
                condition=~models.Q(chain="case"),
                name="audit_sequence_per_master_chain",
            ),
            models.CheckConstraint(
                condition=models.Q(chain="case", waiver__isnull=False)
                | (~models.Q(chain="case") & models.Q(waiver__isnull=True)),
                name="audit_case_chain_has_a_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditTrailIsAppendOnly("Audit entries cannot be deleted.")

    @property
    def chain_key(self) -> str:
        return f"case:{self.waiver_id}" if self.chain == Chain.CASE else self.chain

    def content(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
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
        return mac(self.prev_hash + canonical)


class AuditCheckpoint(models.Model):
    """The heads of the chains at a moment, kept apart from the entries (append-only too).

    ``heads`` holds, for each chain that grew since the checkpoint before, its entry count and
    last MAC; folded in order they give every chain's head at ``at``. Each checkpoint is MAC'd
    and linked to the one before, and its ``hash`` is the line to copy off the system.
    """

    seq = models.PositiveIntegerField(unique=True)
    at = models.DateTimeField(default=timezone.now)
    entries = models.PositiveBigIntegerField(help_text="Entries in all chains at the time.")
    heads = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint {self.seq} at {self.at:%Y-%m-%d %H:%M:%S}: {self.entries} entries"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit checkpoints cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditTrailIsAppendOnly("Audit checkpoints cannot be deleted.")

    def compute_hash(self) -> str:
        canonical = json.dumps(
            {
                "seq": self.seq,
                "at": self.at.isoformat(),
                "entries": self.entries,
                "heads": self.heads,
            },
            sort_keys=True,
        )
        return mac(self.prev_hash + canonical)
