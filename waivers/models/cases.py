"""The waiver request (the case) and what hangs off it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .. import impact
from ..impact import INPUTS
from .catalogue import Product, Site
from .evidence import Certificate
from .people import Organisation
from .register import Authority


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    INFORMATION_REQUESTED = "information_requested", "Information requested"
    RECOMMENDED = "recommended", "Recommended"
    APPROVED = "approved", "Approved"
    PARTIALLY_APPROVED = "partially_approved", "Partially approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


OPEN_STATES = (State.SUBMITTED, State.UNDER_REVIEW, State.INFORMATION_REQUESTED, State.RECOMMENDED)
GRANTED_STATES = (State.APPROVED, State.PARTIALLY_APPROVED)
DECIDED_STATES = (
    State.APPROVED,
    State.PARTIALLY_APPROVED,
    State.REJECTED,
    State.REVOKED,
    State.EXPIRED,
)


# The cases an NRA sees: submitted ones, never a draft (a withdrawn draft was never submitted).
SUBMITTED_TO_NRA = Q(submitted_at__isnull=False) & ~Q(state=State.DRAFT)


class Scope(models.TextChoices):
    IMPORT_TESTING = "import_testing", "Import testing"
    REGISTRATION_TESTING = "registration_testing", "Registration testing"
    CLINICAL_TRIAL = "clinical_trial", "Clinical-trial import"


class Outcome(models.TextChoices):
    APPROVE = "approve", "Approve the waiver"
    PARTIAL = "partial", "Partial waiver with conditions"
    REJECT = "reject", "Reject"


class ReferenceCounter(models.Model):
    """Yearly counters behind WR-YYYY-NNNNNN references; incremented under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


_units: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 3,
    "validators": [MinValueValidator(Decimal(0))],
}


class CheckStatus(models.TextChoices):
    """Listed from the least to the most severe."""

    PASS = "pass", "Pass"
    WARN = "warn", "Warning"
    FAIL = "fail", "Fail"

    @classmethod
    def worst(cls, statuses: Iterable[str]) -> str:
        """The most severe of these statuses ('' when there are none)."""
        order: list[str] = list(cls)
        return max(statuses, key=order.index, default="")


class WaiverRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="waiver_requests"
    )
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="waiver_requests",
        verbose_name="NRA addressed",
    )
    scope = models.CharField(max_length=24, choices=Scope.choices)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="waiver_requests")
    sites = models.ManyToManyField(Site, related_name="waiver_requests")
    certificates = models.ManyToManyField(Certificate, blank=True, related_name="waiver_requests")
    justification = models.TextField(blank=True)

    # Sampling data: the calculator's inputs (units, or ml for a volume batch).
    batch_size = models.DecimalField(INPUTS["batch_size"], null=True, blank=True, **_units)
    release_units = models.DecimalField(INPUTS["release_units"], null=True, blank=True, **_units)
    retention_units = models.DecimalField(
        INPUTS["retention_units"], null=True, blank=True, **_units
    )
    stability_units = models.DecimalField(
        INPUTS["stability_units"], null=True, blank=True, **_units
    )
    in_country_units = models.DecimalField(
        INPUTS["in_country_units"], null=True, blank=True, **_units
    )
    testing_countries = models.PositiveIntegerField(
        INPUTS["testing_countries"], default=1, validators=[MinValueValidator(1)]
    )
    units_per_patient = models.DecimalField(
        INPUTS["units_per_patient"], null=True, blank=True, **_units
    )
    shelf_life_days = models.DecimalField(
        INPUTS["shelf_life_days"], null=True, blank=True, max_digits=8, decimal_places=2
    )
    shipping_days = models.DecimalField(
        INPUTS["shipping_days"], null=True, blank=True, max_digits=8, decimal_places=2
    )
    testing_days = models.DecimalField(
        INPUTS["testing_days"], null=True, blank=True, max_digits=8, decimal_places=2
    )

    state = models.CharField(max_length=24, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped by every change; guards stale pages."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    renewal_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    clock_paused_since = models.DateTimeField(null=True, blank=True)
    clock_paused_seconds = models.PositiveBigIntegerField(default=0)

    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recommended_outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    assessment = models.JSONField(
        default=dict, blank=True, help_text="Reliance checklist: criterion → answer and note."
    )
    rationale = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    check_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text="Failed automated checks decided against: check → detail, justification, by.",
    )

    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    legal_hold = models.BooleanField(
        default=False, help_text="Kept out of the archiving list, whatever its age."
    )
    legal_hold_reason = models.TextField(blank=True)

    check_status = models.CharField(
        max_length=8,
        choices=CheckStatus.choices,
        blank=True,
        editable=False,
        help_text="The worst of the automated check results ('' while none has run): kept with "
        "them by whatever stores results (services.checks.storing), for the queue's filter.",
    )
    audit_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Entries in the case's audit trail (its anchor)."
    )
    audit_head = models.CharField(
        max_length=64, blank=True, editable=False, help_text="The MAC of the trail's last entry."
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            # The NRA queue filters by authority and state, sorts by submission or last change.
            models.Index(
                fields=["authority", "state", "submitted_at"], name="queue_by_state_submitted"
            ),
            models.Index(fields=["authority", "reviewer", "state"], name="queue_by_reviewer"),
            models.Index(fields=["organisation", "state", "updated_at"], name="applicant_home"),
            models.Index(fields=["state", "valid_until"], name="granted_by_validity"),
            # The queue's default view (open cases of one NRA, oldest first) read in index order;
            # its count, deep pages, counts per state, the scope, assignee, check and overdue
            # filters and the sort by clock answered from the index alone (bench/README.md).
            models.Index(
                fields=["authority", "submitted_at", "id"],
                include=[
                    "state",
                    "scope",
                    "reviewer",
                    "check_status",
                    "decided_at",
                    "clock_paused_since",
                    "clock_paused_seconds",
                ],
                condition=Q(state__in=OPEN_STATES),
                name="open_queue_by_submission",
            ),
            # The API's case list, most recently changed first: an NRA's cases and an
            # organisation's, each read in index order and counted from the index alone. An
            # NRA's count has its own index: one key per NRA, deduplicated, a sixth of the size.
            models.Index(
                fields=["authority", "-updated_at", "-id"],
                condition=SUBMITTED_TO_NRA,
                name="nra_cases_by_change",
            ),
            models.Index(fields=["authority"], condition=SUBMITTED_TO_NRA, name="nra_cases_count"),
            models.Index(
                fields=["organisation", "-updated_at", "-id"], name="organisation_cases_by_change"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="decision_after_submission",
                condition=Q(decided_at__isnull=True) | Q(submitted_at__lte=F("decided_at")),
                violation_error_message="A decision cannot precede the submission.",
            ),
            models.CheckConstraint(
                name="submitted_requests_have_submission_time",
                condition=Q(state__in=["draft"])
                | Q(state="withdrawn")
                | Q(submitted_at__isnull=False),
            ),
            models.CheckConstraint(
                name="testing_countries_at_least_one", condition=Q(testing_countries__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The trail's anchor is written by the audit writer alone: a full save of a copy read
        # before the last entry must not roll it back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname not in AUDIT_ANCHOR_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def is_granted(self) -> bool:
        return self.state in GRANTED_STATES

    def clock_days(self, now: datetime | None = None) -> int | None:
        """Whole review days since submission, excluding the time information was requested."""
        if self.submitted_at is None:
            return None
        end = self.decided_at or self.clock_paused_since or now or timezone.now()
        seconds = (end - self.submitted_at).total_seconds() - self.clock_paused_seconds
        return max(0, int(seconds // 86400))

    def sampling(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in SAMPLING_FIELDS}

    def clean(self) -> None:
        """A draft may lack figures, but never hold ones the sampling calculator refuses."""
        errors = impact.problems(
            {
                **self.sampling(),
                "production_model": self.product.production_model if self.product_id else None,
            },
            complete=False,
        )
        if errors:
            raise ValidationError(errors)


AUDIT_ANCHOR_FIELDS = ("audit_count", "audit_head")

SAMPLING_FIELDS = tuple(INPUTS)


class Message(models.Model):
    """A message on a case: an information request, an answer, a return note."""

    waiver = models.ForeignKey(WaiverRequest, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24)
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    #: How each kind of message is headed on the case pages.
    KIND_LABELS = {
        "information_request": "Information requested by the NRA",
        "response": "Answer from the applicant",
        "return": "Returned to the reviewer",
    }

    class Meta:
        ordering = ["at", "pk"]

    @property
    def kind_label(self) -> str:
        return self.KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())


class Signature(models.Model):
    """An electronic signature bound to the content of what was signed (21 CFR 11.50/11.70)."""

    waiver = models.ForeignKey(WaiverRequest, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    printed_name = models.CharField(max_length=300)
    meaning = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.printed_name}, {self.signed_at:%Y-%m-%d %H:%M} UTC, {self.meaning}"


class CheckResult(models.Model):
    """The latest result of one automated check on a case (replaced on every run)."""

    waiver = models.ForeignKey(
        WaiverRequest, on_delete=models.CASCADE, related_name="check_results"
    )
    check_name = models.CharField(max_length=32)
    status = models.CharField(max_length=4, choices=CheckStatus.choices)
    detail = models.TextField()
    ran_at = models.DateTimeField()

    class Meta:
        ordering = ["check_name"]
        constraints = [
            models.UniqueConstraint(fields=["waiver", "check_name"], name="one_result_per_check")
        ]
