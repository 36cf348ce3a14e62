"""Documents the portal issues: HTML templates rendered to PDF with WeasyPrint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from .models import BatchNotification, DecisionLetter, State


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a Django template to PDF bytes. Static assets resolve from the project directory."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


@dataclass(frozen=True)
class Verified:
    """What the public verification page and endpoint may disclose about an issued document."""

    document: str
    reference: str
    decision: str
    issued_at: datetime
    sha256: str


def verify(code: str) -> Verified | None:
    """The decision letter or batch acknowledgement issued under this verification code, if any."""
    code = code.strip().upper()
    letter = DecisionLetter.objects.select_related("waiver").filter(verification_code=code).first()
    if letter:
        return Verified(
            "decision letter",
            letter.waiver.reference,
            State(letter.decision).label,
            letter.issued_at,
            letter.sha256,
        )
    batch = (
        BatchNotification.objects.filter(verification_code=code).exclude(acknowledgement="").first()
    )
    if batch:
        return Verified(
            "batch acknowledgement",
            batch.reference,
            batch.get_status_display(),
            batch.notified_at,
            batch.acknowledgement_sha256,
        )
    return None
