"""Uploaded evidence: GMP certificates, WHO CPPs and Certificates of Analysis, with typed metadata."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .catalogue import Product, Site
from .people import Organisation
from .register import Authority


class CertificateKind(models.TextChoices):
    GMP = "gmp", "GMP certificate"
    CPP = "cpp", "WHO Certificate of a Pharmaceutical Product"
    COA = "coa", "Certificate of Analysis"


KIND_LABELS = dict(CertificateKind.choices)


def certificate_label(kind: str, number: str, batch_number: str) -> str:
    """How a certificate is named to people: its kind and number (a CoA: its batch)."""
    label = batch_number if kind == CertificateKind.COA else number
    return f"{KIND_LABELS.get(kind, kind)} {label}".strip()


def private_upload_path(instance: Certificate, filename: str) -> str:
    """A generated name: the uploader's filename never reaches the file system."""
    return str(
        PurePosixPath("evidence") / str(instance.organisation_id) / f"{uuid.uuid4().hex}.pdf"
    )


class Certificate(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="certificates"
    )
    kind = models.CharField(max_length=3, choices=CertificateKind.choices)
    file = models.FileField(upload_to=private_upload_path, max_length=200)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    number = models.CharField(
        max_length=100, blank=True, help_text="Certificate number (CoA: its own number, if any)."
    )
    issuing_authority = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates_issued",
    )
    issued_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    # GMP certificate (site also for a CoA)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    inspected_on = models.DateField(null=True, blank=True)
    scope = models.CharField(max_length=300, blank=True, help_text="e.g. sterile, biological, ATMP")
    restrictions = models.TextField(blank=True)

    # CPP (product also for a CoA)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    exporting_country = models.CharField(max_length=2, blank=True)
    importing_country = models.CharField(max_length=2, blank=True)
    licensed = models.BooleanField(
        null=True, blank=True, help_text="Licensed in the exporting country"
    )
    licence_number = models.CharField(max_length=100, blank=True)
    licence_holder = models.CharField(max_length=200, blank=True)
    gmp_statement = models.TextField("GMP inspection statement", blank=True)

    # CoA
    batch_number = models.CharField(max_length=100, blank=True)
    manufactured_on = models.DateField(null=True, blank=True)
    batch_expires_on = models.DateField(null=True, blank=True)
    conforms = models.BooleanField(null=True, blank=True)
    released_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [
            models.Index(fields=["valid_until"], name="certificate_valid_until"),
            # The daily sweep looks up certificates by the day a date was reached or crossed.
            models.Index(fields=["issued_on"], name="certificate_issued_on"),
            models.Index(fields=["uploaded_at"], name="certificate_uploaded_at"),
            models.Index(fields=["organisation", "kind"], name="certificate_org_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sha256"], name="one_copy_of_a_file_per_organisation"
            ),
            models.CheckConstraint(
                name="certificate_validity_after_issue",
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("issued_on")),
                violation_error_message="A certificate cannot expire before it is issued.",
            ),
            models.CheckConstraint(
                name="gmp_has_authority_and_site",
                condition=~Q(kind="gmp")
                | (Q(issuing_authority__isnull=False) & Q(site__isnull=False)),
                violation_error_message="A GMP certificate names its issuing authority and site.",
            ),
            models.CheckConstraint(
                name="cpp_has_authority_and_product",
                condition=~Q(kind="cpp")
                | (Q(issuing_authority__isnull=False) & Q(product__isnull=False)),
                violation_error_message="A CPP names its certifying authority and product.",
            ),
            models.CheckConstraint(
                name="coa_has_batch_product_site",
                condition=~Q(kind="coa")
                | (~Q(batch_number="") & Q(product__isnull=False) & Q(site__isnull=False)),
                violation_error_message="A CoA names its batch, product and site.",
            ),
            models.CheckConstraint(
                name="coa_batch_expires_after_manufacture",
                condition=Q(batch_expires_on__isnull=True)
                | Q(manufactured_on__isnull=True)
                | Q(batch_expires_on__gte=F("manufactured_on")),
                violation_error_message="A batch cannot expire before it is manufactured.",
            ),
        ]

    def __str__(self) -> str:
        return certificate_label(self.kind, self.number, self.batch_number)

    @property
    def expires_on(self):
        return self.batch_expires_on if self.kind == CertificateKind.COA else self.valid_until
