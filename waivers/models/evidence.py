"""Uploaded evidence: GMP certificates, WHO CPPs and Certificates of Analysis, with typed metadata."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .catalogue import Product, Site
from .people import Organisation
from .register import Authority


class CertificateKind(models.TextChoices):
    GMP = "gmp", "GMP certificate"
    CPP = "cpp", "WHO Certificate of a Pharmaceutical Product"
    COA = "coa", "Certificate of Analysis"


KIND_LABELS = dict(CertificateKind.choices)


@dataclass(frozen=True)
class KindFields:
    """The metadata one kind of evidence carries, in the order people enter it; all of it must be
    stated except what is ``optional``."""

    fields: tuple[str, ...]
    optional: frozenset[str] = frozenset()

    @property
    def required(self) -> frozenset[str]:
        return frozenset(self.fields) - self.optional


# The one declaration of each kind's fields: the model's validation, the upload service, the web
# forms, the API serializer and the load-data generator all read it.
KIND_FIELDS: dict[str, KindFields] = {
    CertificateKind.GMP: KindFields(
        fields=(
            "number",
            "issuing_authority",
            "site",
            "inspected_on",
            "issued_on",
            "valid_until",
            "scope",
            "restrictions",
        ),
        optional=frozenset({"scope", "restrictions"}),
    ),
    CertificateKind.CPP: KindFields(
        fields=(
            "number",
            "issuing_authority",
            "exporting_country",
            "importing_country",
            "product",
            "licensed",
            "licence_number",
            "licence_holder",
            "gmp_statement",
            "issued_on",
            "valid_until",
        ),
        optional=frozenset({"licence_number", "licence_holder", "gmp_statement", "valid_until"}),
    ),
    CertificateKind.COA: KindFields(
        fields=(
            "product",
            "batch_number",
            "site",
            "manufactured_on",
            "batch_expires_on",
            "conforms",
            "released_by",
            "number",
            "issued_on",
        ),
        optional=frozenset({"released_by", "number"}),
    ),
}


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
        "certificate number",
        max_length=100,
        blank=True,
        help_text="Certificate number (CoA: its own number, if any).",
    )
    issuing_authority = models.ForeignKey(
        Authority,
        verbose_name="issuing authority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates_issued",
    )
    issued_on = models.DateField("issue date")
    valid_until = models.DateField("expiry date", null=True, blank=True)

    # GMP certificate (site also for a CoA)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    inspected_on = models.DateField("inspection date", null=True, blank=True)
    scope = models.CharField(max_length=300, blank=True, help_text="e.g. sterile, biological, ATMP")
    restrictions = models.TextField(blank=True)

    # CPP (product also for a CoA)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    exporting_country = models.CharField("exporting country", max_length=2, blank=True)
    importing_country = models.CharField("importing country", max_length=2, blank=True)
    licensed = models.BooleanField(
        "licensing in the exporting country",
        null=True,
        blank=True,
        help_text="Licensed in the exporting country",
    )
    licence_number = models.CharField(max_length=100, blank=True)
    licence_holder = models.CharField(max_length=200, blank=True)
    gmp_statement = models.TextField("GMP inspection statement", blank=True)

    # CoA
    batch_number = models.CharField(max_length=100, blank=True)
    manufactured_on = models.DateField("manufacture date", null=True, blank=True)
    batch_expires_on = models.DateField("batch expiry date", null=True, blank=True)
    conforms = models.BooleanField("conformity", null=True, blank=True)
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

    def clean(self) -> None:
        """What each kind must state, and dates that can be true."""
        spec = KIND_FIELDS.get(self.kind)
        if spec is None:
            return
        errors: dict[str, str] = {}
        for name in spec.required:
            field = certificate_field(name)
            # Fields the model itself requires are refused by Django's own field validation.
            if field.blank and getattr(self, field.attname) in (None, ""):
                errors[name] = f"A {KIND_LABELS[self.kind]} states its {field.verbose_name}."
        if self.issued_on and self.issued_on > timezone.localdate():
            errors["issued_on"] = "The issue date cannot be in the future."
        if self.inspected_on and self.issued_on and self.inspected_on > self.issued_on:
            errors["inspected_on"] = (
                "The inspection date cannot be after the certificate was issued: a GMP "
                "certificate follows its inspection."
            )
        if (
            self.manufactured_on
            and self.batch_expires_on
            and self.batch_expires_on < self.manufactured_on
        ):
            errors["batch_expires_on"] = "A batch cannot expire before it is manufactured."
        if errors:
            raise ValidationError(errors)

    @property
    def expires_on(self):
        return self.batch_expires_on if self.kind == CertificateKind.COA else self.valid_until


def certificate_field(name: str) -> models.Field:
    """A certificate's field by name; its verbose name is how messages call it."""
    return cast(models.Field, Certificate._meta.get_field(name))
