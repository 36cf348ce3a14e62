from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models


class Organisation(models.Model):
    """An applicant company: manufacturer, marketing-authorisation holder or importer."""

    name = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    APPLICANT = "applicant", "Applicant"
    REVIEWER = "reviewer", "Reviewer"
    APPROVER = "approver", "Approver"
    REGISTRAR = "registrar", "Authority admin"


class User(AbstractUser):
    """A person. Applicants belong to an organisation; reviewers and approvers to an NRA."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.APPLICANT)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    nra = models.ForeignKey(
        "waivers.Authority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="NRA",
    )
    is_organisation_admin = models.BooleanField(
        default=False, help_text="May invite colleagues into the organisation."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="applicant_has_organisation",
                condition=~models.Q(role="applicant")
                | models.Q(organisation__isnull=False)
                | models.Q(is_superuser=True),
                violation_error_message="An applicant belongs to an organisation.",
            ),
            models.CheckConstraint(
                name="nra_staff_has_nra",
                condition=~models.Q(role__in=["reviewer", "approver"])
                | models.Q(nra__isnull=False),
                violation_error_message="Reviewers and approvers belong to an NRA.",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new password or a deactivation revokes every API token of the user, as Django's
        session hash already ends their sessions: a reset locks out whoever held the old one."""
        # set_password() leaves the raw password in _password until the save, as Django's own
        # save() reads it to notify the password validators.
        revoke = getattr(self, "_password", None) is not None or not self.is_active
        super().save(*args, **kwargs)
        if revoke:
            self.api_tokens.all().delete()

    @property
    def printed_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_nra_staff(self) -> bool:
        return self.role in (Role.REVIEWER, Role.APPROVER)

    @property
    def must_use_two_factor(self) -> bool:
        """NRA staff, authority admins and whoever may use the admin sign in with a second
        factor (21 CFR Part 11 §11.300); for applicants it is their choice."""
        return self.is_nra_staff or self.role == Role.REGISTRAR or self.is_staff
