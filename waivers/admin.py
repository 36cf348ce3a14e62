"""The registry admin: authorities, recognitions and reliance policies; read-only views of cases.

Case data shown here is scoped with waivers.access like every other entry point.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import access
from .models import (
    ApiToken,
    AuditEntry,
    Authority,
    Certificate,
    Organisation,
    OutboxMessage,
    Recognition,
    ReliancePolicy,
    State,
    SweepRun,
    User,
    WaiverRequest,
)


class RecognitionInline(admin.TabularInline):
    model = Recognition
    extra = 0
    fields = ["scheme", "scope", "valid_from", "valid_to", "source", "note"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "schemes", "receives_requests"]
    list_filter = ["receives_requests", "recognitions__scheme", "country"]
    search_fields = ["code", "name", "country"]
    inlines = [RecognitionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Authority]:
        return super().get_queryset(request).prefetch_related("recognitions")

    @admin.display(description="recognitions")
    def schemes(self, obj: Authority) -> str:
        return ", ".join(sorted({r.scheme for r in obj.recognitions.all()}))


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ["authority", "scheme", "scope", "valid_from", "valid_to", "source"]
    list_filter = ["scheme", "valid_from", "valid_to"]
    search_fields = ["authority__code", "authority__name", "source"]
    list_select_related = ["authority"]
    autocomplete_fields = ["authority"]


@admin.register(ReliancePolicy)
class ReliancePolicyAdmin(admin.ModelAdmin):
    list_display = [
        "authority",
        "schemes",
        "max_cpp_age_days",
        "expiry_warning_days",
        "target_review_days",
    ]
    search_fields = ["authority__code", "authority__name"]
    autocomplete_fields = ["authority"]
    filter_horizontal = ["mra_partners"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    search_fields = ["name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Organisation | None = None) -> Any:
        """An applicant's name is part of what its submitted requests were decided and signed on."""
        submitted = obj is not None and obj.waiver_requests.exclude(state=State.DRAFT).exists()
        return ("name",) if submitted else ()


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "organisation",
        "nra",
        "is_active",
    ]
    list_filter = ["role", "is_active", "nra"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Portal", {"fields": ["role", "organisation", "nra", "is_organisation_admin"]}),
    )
    autocomplete_fields = ["organisation", "nra"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases and their trails change only through the workflow, never through the admin.

    Viewing needs the model's view permission (operators); what is listed is still scoped.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditEntryInline(admin.TabularInline):
    model = AuditEntry
    readonly_fields = (
        "seq",
        "at",
        "actor_name",
        "action",
        "from_state",
        "to_state",
        "changes",
        "reason",
    )
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WaiverRequest)
class WaiverRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "organisation",
        "authority",
        "product",
        "scope",
        "state",
        "updated_at",
    ]
    list_filter = ["state", "scope", "authority"]
    search_fields = ["reference", "organisation__name", "product__name"]
    list_select_related = ["organisation", "authority", "product"]
    inlines = [AuditEntryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WaiverRequest]:
        return access.waivers_for(request.user).select_related(
            "organisation", "authority", "product"
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["waiver", "seq", "at", "actor_name", "action", "from_state", "to_state"]
    list_filter = ["action", "to_state"]
    search_fields = ["waiver__reference", "actor_name", "reason"]
    list_select_related = ["waiver"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return AuditEntry.objects.filter(
            waiver__in=access.waivers_for(request.user)
        ).select_related("waiver")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "issuing_authority", "issued_on", "valid_until"]
    list_filter = ["kind"]
    search_fields = ["number", "batch_number", "organisation__name"]
    list_select_related = ["organisation", "issuing_authority"]
    exclude = ["file"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Certificate]:
        return access.certificates_for(request.user).select_related(
            "organisation", "issuing_authority"
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Background work and its failures, for an operator to see."""

    list_display = ["task", "payload", "created_at", "done_at", "attempts", "last_error"]
    list_filter = ["task", "done_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxMessage]:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.none()


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    """When the expiry sweep last ran and what it found: written by the sweep alone."""

    list_display = [
        "day",
        "started_at",
        "finished_at",
        "full",
        "cases_checked",
        "expiring",
        "expired",
        "lapsed",
        "flagged",
        "announced",
        "notifications",
    ]
    list_filter = ["full"]
    date_hierarchy = "day"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds which token until when, and deleting one revokes it. No secret is shown: the
    database holds only a digest, and the admin does not even show that."""

    list_display = ["prefix", "user", "created_at", "expires_at"]
    readonly_fields = ("prefix", "user", "created_at", "expires_at")
    fields = readonly_fields
    search_fields = ["prefix", "user__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
