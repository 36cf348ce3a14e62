"""The register of regulatory authorities, their recognitions, and each NRA's reliance policy."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q


class Scheme(models.TextChoices):
    SRA = "SRA", "Stringent Regulatory Authority"
    WLA = "WLA", "WHO Listed Authority"
    PICS = "PICS", "PIC/S participating authority"
    ICH = "ICH", "ICH regulatory member"
    MRA = "MRA", "Mutual recognition agreement"


class AuthorityQuerySet(models.QuerySet["Authority"]):
    def recognised_on(self, on: date, schemes: list[str] | None = None) -> AuthorityQuerySet:
        """Authorities holding a recognition under any of ``schemes`` (all if None) on ``on``."""
        return self.filter(pk__in=Recognition.objects.in_force_on(on, schemes).values("authority"))


class Authority(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="e.g. US-FDA")
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2 (EU for the Union)")
    receives_requests = models.BooleanField(
        default=False, help_text="An NRA that receives waiver requests through this portal."
    )

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def recognitions_on(self, on: date, schemes: list[str] | None = None) -> list[Recognition]:
        """Recognitions in force on ``on``; evaluated in Python over prefetched rows when present."""
        return [
            r
            for r in self.recognitions.all()
            if r.in_force_on(on) and (schemes is None or r.scheme in schemes)
        ]

    def is_recognised_on(self, on: date, schemes: list[str] | None = None) -> bool:
        return bool(self.recognitions_on(on, schemes))


class RecognitionQuerySet(models.QuerySet["Recognition"]):
    def in_force_on(self, on: date, schemes: list[str] | None = None) -> RecognitionQuerySet:
        qs = self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
        return qs if schemes is None else qs.filter(scheme__in=schemes)


class Recognition(models.Model):
    """One recognition of an authority under a scheme, for a period (open ends allowed)."""

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="recognitions")
    scheme = models.CharField(max_length=8, choices=Scheme.choices)
    scope = models.CharField(max_length=300, blank=True)
    valid_from = models.DateField(
        null=True, blank=True, help_text="Empty: since before the data begins."
    )
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: still in force.")
    source = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = RecognitionQuerySet.as_manager()

    class Meta:
        ordering = ["authority__code", "scheme", "valid_from"]
        indexes = [models.Index(fields=["scheme", "valid_from", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                name="recognition_dates_in_order",
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                violation_error_message="A recognition cannot end before it begins.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority.code} {self.scheme}"

    def in_force_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


class ReliancePolicy(models.Model):
    """What a receiving NRA relies on, and what it asks of each request."""

    authority = models.OneToOneField(Authority, on_delete=models.CASCADE, related_name="policy")
    schemes = models.JSONField(
        default=list, help_text='Schemes relied on, e.g. ["SRA", "WLA", "PICS"].'
    )
    mra_partners = models.ManyToManyField(
        Authority,
        blank=True,
        related_name="mra_partner_of",
        help_text="Authorities with which this NRA has an MRA.",
    )
    required_evidence = models.JSONField(
        default=dict,
        help_text='Evidence kinds required per scope, e.g. {"import_testing": ["gmp", "cpp", "coa"]}.',
    )
    max_cpp_age_days = models.PositiveIntegerField(default=730)
    expiry_warning_days = models.PositiveIntegerField(default=90)
    target_review_days = models.PositiveIntegerField(default=30)
    waiver_validity_days = models.PositiveIntegerField(
        default=1095, help_text="Longest period a waiver is granted for."
    )
    letterhead = models.TextField(
        blank=True, help_text="Address block printed on decision letters."
    )
    allow_check_override = models.BooleanField(
        default=False,
        help_text="Whether a waiver may be granted against a failed automated check, with a "
        "written justification for each (audited and printed on the letter).",
    )
    retention_years = models.PositiveIntegerField(
        default=15,
        help_text="Years a decided case is kept in the portal before it is listed for archiving "
        "(never deleted: archiving is the NRA's own act, outside the portal).",
    )

    class Meta:
        verbose_name_plural = "reliance policies"

    def __str__(self) -> str:
        return f"Reliance policy of {self.authority.code}"

    def required_kinds(self, scope: str) -> list[str]:
        return list(self.required_evidence.get(scope, []))

    def relies_on(self, authority: Authority, on: date) -> list[str]:
        """The schemes (or MRA) under which this NRA relies on ``authority`` on ``on``."""
        schemes = sorted({r.scheme for r in authority.recognitions_on(on, self.schemes)})
        if any(p.pk == authority.pk for p in self.mra_partners.all()):
            schemes.append(Scheme.MRA)
        return schemes
