"""What the portal issues: decision letters, and the verification codes printed on issued documents."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone

from .cases import WaiverRequest


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
