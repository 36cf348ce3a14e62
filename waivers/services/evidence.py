"""Uploading evidence: a PDF judged by the PDF policy, hashed while streaming, stored privately."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from ..errors import DuplicateEvidence, FileTooLarge, InvalidInput, NotAPdf, PdfRefused
from ..models import KIND_FIELDS, Certificate, CertificateKind, User
from ..models.evidence import certificate_field
from ..pdf_policy import check_pdf


@dataclass(frozen=True)
class Upload:
    certificate: Certificate
    reused: bool


def _inspect_pdf(file: UploadedFile) -> tuple[str, int]:
    """Refuse a file over the size limit or against the PDF policy; return its SHA-256 and size."""
    limit = settings.UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise FileTooLarge(f"The file is larger than the {limit // (1024 * 1024)} MB limit.")
    digest, size = hashlib.sha256(), 0
    for chunk in file.chunks():
        size += len(chunk)
        if size > limit:
            raise FileTooLarge(f"The file is larger than the {limit // (1024 * 1024)} MB limit.")
        digest.update(chunk)
    check_pdf(file)
    return digest.hexdigest(), size


def inline_refusal(certificate: Certificate) -> str | None:
    """Why the stored file may not be shown inline to a reviewer, or None if it may.

    The policy is applied again to the file as stored: one kept from before the policy, or that
    fails limits tightened since, is then only offered as a download.
    """
    try:
        with certificate.file.open("rb") as stored:
            check_pdf(stored)
    except (NotAPdf, PdfRefused) as exc:
        return exc.message if isinstance(exc, NotAPdf) else exc.reason
    return None


def _differences(certificate: Certificate, kind: str, metadata: dict[str, Any]) -> list[str]:
    """What the upload states that the certificate already holding its file does not."""
    if certificate.kind != kind:
        return ["kind"]
    return [
        str(certificate_field(name).verbose_name)
        for name, value in metadata.items()
        if value not in (None, "") and getattr(certificate, name) != value
    ]


def _reuse(existing: Certificate, kind: str, metadata: dict[str, Any]) -> Upload:
    """The identical file again: the certificate on file, unless the new details contradict it."""
    differences = _differences(existing, kind, metadata)
    if differences:
        raise DuplicateEvidence(
            f"This very file is already on file as {existing} (uploaded "
            f"{existing.uploaded_at:%Y-%m-%d}) with other details ({', '.join(differences)}). "
            "Choose that certificate, or upload the file these details belong to."
        )
    return Upload(existing, reused=True)


def upload_certificate(*, user: User, kind: str, file: UploadedFile, **metadata: Any) -> Upload:
    """Store a piece of evidence for the user's organisation, or reuse the identical file already held."""
    if kind not in CertificateKind.values:
        raise InvalidInput({"kind": [f"Choose one of: {', '.join(CertificateKind.values)}."]})
    unknown = set(metadata) - set(KIND_FIELDS[kind].fields)
    if unknown:
        raise InvalidInput(
            {name: [f"Not a field of a {CertificateKind(kind).label}."] for name in sorted(unknown)}
        )
    organisation = user.organisation
    if organisation is None:
        raise InvalidInput(
            {"non_field_errors": ["Only applicants of an organisation upload evidence."]}
        )
    for name in ("site", "product"):
        owned = metadata.get(name)
        if owned is not None and owned.organisation_id != organisation.pk:
            raise InvalidInput({name: ["Choose one of your organisation's own."]})
    sha256, size = _inspect_pdf(file)
    existing = Certificate.objects.filter(organisation=organisation, sha256=sha256).first()
    if existing:
        return _reuse(existing, kind, metadata)
    certificate = Certificate(
        organisation=organisation,
        kind=kind,
        sha256=sha256,
        size=size,
        uploaded_by=user,
        original_name=(file.name or "")[-255:].replace("/", "_").replace("\\", "_"),
        **metadata,
    )
    try:
        certificate.full_clean(exclude=["file"])
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from exc
    certificate.file.save("upload.pdf", file, save=False)
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        certificate.file.delete(save=False)
        existing = Certificate.objects.filter(organisation=organisation, sha256=sha256).first()
        if existing is None:
            raise
        return _reuse(existing, kind, metadata)
    return Upload(certificate, reused=False)
