"""Documents the portal issues: HTML templates rendered to PDF with WeasyPrint."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Min, OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML

from . import checks, impact
from .models import (
    AuditEntry,
    BatchNotification,
    CertificateKind,
    DecisionLetter,
    Signature,
    State,
    WaiverRequest,
    new_verification_code,
    normalise_verification_code,
)

#: The states a signed decision leaves a case in; each gets its own letter.
LETTER_STATES = (State.APPROVED, State.PARTIALLY_APPROVED, State.REJECTED, State.REVOKED)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a Django template to PDF bytes. Static assets resolve from the project directory."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


#: What :attr:`Verified.status` may say.
VERIFICATION_STATUSES = (
    "in_force",
    "expired",
    "revoked",
    "superseded",
    "rejected",
    "released",
    "refused",
)


@dataclass(frozen=True)
class Verified:
    """What the public verification page and endpoint may disclose about an issued document.

    ``status`` is the waiver's standing today, for machines: ``in_force``, ``expired``,
    ``revoked``, ``superseded`` (a later letter replaced this one), ``rejected``; for a batch
    acknowledgement the batch's outcome, ``released`` or ``refused``. ``status_detail`` says it
    in a sentence, with the date.
    """

    document: str
    reference: str
    decision: str
    issued_at: datetime
    sha256: str
    product: str
    applicant: str
    nra: str
    status: str
    status_detail: str
    version: int | None = None
    valid_until: date | None = None
    revoked_at: datetime | None = None
    superseded_by_version: int | None = None


def _letter_standing(letter: DecisionLetter, today: date) -> dict[str, Any]:
    """The current status of the waiver a letter records, as :class:`Verified` reports it."""
    case = letter.waiver
    later = (
        DecisionLetter.objects.filter(waiver=case, version__gt=letter.version)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    standing: dict[str, Any] = {"valid_until": case.valid_until, "superseded_by_version": later}
    if case.state == State.REVOKED:
        revocation = (
            AuditEntry.objects.filter(waiver=case, to_state=State.REVOKED).order_by("-seq").first()
        )
        revoked_at = revocation.at if revocation else case.updated_at
        detail = f"Revoked on {revoked_at:%Y-%m-%d}: the waiver is no longer in force."
        if later:
            detail += f" This letter was superseded by version {later}, the revocation letter."
        return standing | {"status": "revoked", "status_detail": detail, "revoked_at": revoked_at}
    if later:
        return standing | {
            "status": "superseded",
            "status_detail": f"Superseded by version {later} of the letter.",
        }
    if case.state == State.REJECTED:
        return standing | {"status": "rejected", "status_detail": "Rejected: no waiver in force."}
    if case.state == State.EXPIRED or (case.valid_until and case.valid_until < today):
        return standing | {
            "status": "expired",
            "status_detail": f"Expired on {case.valid_until:%Y-%m-%d}.",
        }
    until = f" until {case.valid_until:%Y-%m-%d}" if case.valid_until else ""
    return standing | {"status": "in_force", "status_detail": f"In force{until}."}


def verify(typed_code: str) -> Verified | None:
    """The decision letter or batch acknowledgement issued under this verification code, if any.

    The code may be typed in any case, with spaces or dashes between its groups.
    """
    code = normalise_verification_code(typed_code)
    related = ("waiver__product", "waiver__organisation", "waiver__authority")
    letter = DecisionLetter.objects.select_related(*related).filter(verification_code=code).first()
    if letter:
        case = letter.waiver
        return Verified(
            document="decision letter",
            reference=case.reference,
            decision=State(letter.decision).label,
            issued_at=letter.issued_at,
            sha256=letter.sha256,
            product=case.product.name,
            applicant=case.organisation.name,
            nra=case.authority.name,
            version=letter.version,
            **_letter_standing(letter, timezone.localdate()),
        )
    batch = (
        BatchNotification.objects.select_related(*related)
        .filter(verification_code=code)
        .exclude(acknowledgement="")
        .first()
    )
    if batch:
        return Verified(
            document="batch acknowledgement",
            reference=batch.reference,
            decision=batch.get_status_display(),
            issued_at=batch.notified_at,
            sha256=batch.acknowledgement_sha256,
            product=batch.waiver.product.name,
            applicant=batch.waiver.organisation.name,
            nra=batch.waiver.authority.name,
            status=batch.status,
            status_detail=f"Batch {batch.batch_number}: {batch.get_status_display()}.",
        )
    return None


def verification_url(code: str) -> str:
    return settings.SITE_URL + reverse("documents:verify", args=[code])


def qr_code(url: str) -> str:
    """A QR code of ``url`` as an SVG data URI (vector: sharp in print, no image library needed)."""
    svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=1).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _validity(case: WaiverRequest) -> dict[str, Any] | None:
    """What limited the waiver's validity: the policy's period or the earliest evidence expiry."""
    if case.valid_until is None:
        return None
    policy = getattr(case.authority, "policy", None)
    expiries = [
        (c.valid_until, c)
        for c in case.certificates.all()
        if c.kind != CertificateKind.COA and c.valid_until is not None
    ]
    earliest = min(expiries, key=lambda pair: pair[0], default=None)
    limiting = earliest[1] if earliest and earliest[0] == case.valid_until else None
    return {
        "until": case.valid_until,
        "policy_days": policy.waiver_validity_days if policy else None,
        "limited_by": limiting,
    }


def _context(
    case: WaiverRequest, *, decision: str, verification_code: str, version: int, issued_at: datetime
) -> dict[str, Any]:
    today = issued_at.date()
    url = verification_url(verification_code)
    figures, impact_error = impact.of_request(case)
    return {
        "case": case,
        "authority": case.authority,
        "policy": getattr(case.authority, "policy", None),
        "decision": State(decision).label,
        "decision_state": decision,
        "granted": decision in (State.APPROVED, State.PARTIALLY_APPROVED),
        "validity": _validity(case) if decision != State.REVOKED else None,
        "sites": list(case.sites.all()),
        "certificates": sorted(case.certificates.all(), key=lambda c: (c.kind, c.pk)),
        "basis": checks.reliance_basis(case, today),
        "check_outcomes": checks.run_all(case, today),
        "impact": figures,
        "impact_error": impact_error,
        "signatures": list(case.signatures.all()),
        "verification_code": verification_code,
        "verification_url": url,
        "qr_code": qr_code(url),
        "version": version,
        "issued_at": issued_at,
    }


def _letter_case(pk: int) -> WaiverRequest:
    return (
        WaiverRequest.objects.select_related("authority__policy", "organisation", "product")
        .prefetch_related("sites", "signatures", "certificates__issuing_authority__recognitions")
        .get(pk=pk)
    )


def render_decision_letter(
    case: WaiverRequest,
    *,
    verification_code: str | None = None,
    version: int = 1,
    issued_at: datetime | None = None,
) -> bytes:
    """The decision letter of the case's current decision as PDF bytes (nothing is stored).

    Without a verification code a fresh one is printed; only :func:`issue_decision_letter`
    records one, so a letter rendered here alone does not verify.
    """
    case = _letter_case(case.pk)
    return render_pdf(
        "documents/decision_letter.html",
        _context(
            case,
            decision=case.state,
            verification_code=verification_code or new_verification_code(),
            version=version,
            issued_at=issued_at or timezone.now(),
        ),
    )


def issue_decision_letter(case: WaiverRequest) -> DecisionLetter:
    """Issue the letter of the case's current decision, once: a repeat returns the letter issued.

    A later decision on the same case (a revocation) is a new version; no letter is overwritten.
    """
    with transaction.atomic():
        locked = WaiverRequest.objects.select_for_update().get(pk=case.pk)
        if locked.state not in LETTER_STATES:
            raise ValueError(f"{locked.reference} is {locked.state}: no decision to write up.")
        existing = DecisionLetter.objects.filter(waiver=locked, decision=locked.state).first()
        if existing:
            return existing
        version = (
            DecisionLetter.objects.filter(waiver=locked).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        code, issued_at = new_verification_code(), timezone.now()
        pdf = render_decision_letter(
            locked, verification_code=code, version=version, issued_at=issued_at
        )
        letter = DecisionLetter(
            waiver=locked,
            version=version,
            decision=locked.state,
            sha256=hashlib.sha256(pdf).hexdigest(),
            verification_code=code,
            issued_at=issued_at,
        )
        letter.file.save(f"{locked.reference}-v{version}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                letter.save()
        except IntegrityError:
            letter.file.delete(save=False)
            return DecisionLetter.objects.get(waiver=locked, decision=locked.state)
    return letter


def oldest_unsent_letter_seconds() -> float | None:
    """How long ago the oldest signed decision still without its letter was signed (None: none)."""
    signed = Signature.objects.filter(waiver=OuterRef("pk")).order_by("-signed_at")
    letter = DecisionLetter.objects.filter(waiver=OuterRef("pk"), decision=OuterRef("state"))
    oldest = (
        WaiverRequest.objects.filter(state__in=LETTER_STATES)
        .exclude(Exists(letter))
        .annotate(signed_at=Subquery(signed.values("signed_at")[:1]))
        .aggregate(oldest=Min("signed_at"))["oldest"]
    )
    return (timezone.now() - oldest).total_seconds() if oldest is not None else None


def latest_letter(case: WaiverRequest) -> DecisionLetter | None:
    """The newest letter of a case (the one to offer for download), if any."""
    return DecisionLetter.objects.filter(waiver=case).order_by("-version").first()
