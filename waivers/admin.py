"""The registry admin: authorities, recognitions and reliance policies; read-only views of cases.

Case data shown here is scoped with waivers.access like every other entry point.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from . import access
from .models import (
    ApiToken,
    AuditEntry,
    Authority,
    Certificate,
    Chain,
    Organisation,
    OutboxMessage,
    Recognition,
    ReliancePolicy,
    SweepRun,
    User,
    WaiverRequest,
)
from .services import catalogue, register, roles


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit trail with who changed what (Annex 11 §9).",
    )


class ReasonForChangeForm(forms.ModelForm):
    reason = _reason_field()


class ReasonForChangeAdmin(admin.ModelAdmin):
    """Master data: every change asks for a reason and goes into the audit trail.

    The form's own snapshot is read from the database before the change is saved, and the change
    recorded after the inlines and many-to-many fields are, all in the admin's transaction.
    """

    form: type[forms.ModelForm] = ReasonForChangeForm

    def snapshot(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def record(self, *, obj: Any, before: dict[str, Any], actor: Any, reason: str) -> None:
        raise NotImplementedError

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an end date, not a deletion, ends master data: the trail keeps both

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        model: type[Model] = self.model
        form.audit_before = (
            self.snapshot(model._default_manager.get(pk=form.instance.pk)) if change else {}
        )
        return super().save_form(request, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        self.record(
            obj=form.instance,
            before=form.audit_before,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )


class RecognitionInline(admin.TabularInline):
    model = Recognition
    extra = 0
    fields = ["scheme", "scope", "valid_from", "valid_to", "source", "note"]


@admin.register(Authority)
class AuthorityAdmin(ReasonForChangeAdmin):
    list_display = ["code", "name", "country", "schemes", "receives_requests"]
    list_filter = ["receives_requests", "recognitions__scheme", "country"]
    search_fields = ["code", "name", "country"]
    inlines = [RecognitionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Authority]:
        return super().get_queryset(request).prefetch_related("recognitions")

    @admin.display(description="recognitions")
    def schemes(self, obj: Authority) -> str:
        return ", ".join(sorted({r.scheme for r in obj.recognitions.all()}))

    def snapshot(self, obj: Authority) -> dict[str, Any]:
        return register.snapshot(obj)

    def record(self, *, obj: Authority, before: dict[str, Any], actor: Any, reason: str) -> None:
        register.record_authority_change(authority=obj, before=before, actor=actor, reason=reason)


@admin.register(Recognition)
class RecognitionAdmin(ReasonForChangeAdmin):
    list_display = ["authority", "scheme", "scope", "valid_from", "valid_to", "source"]
    list_filter = ["scheme", "valid_from", "valid_to"]
    search_fields = ["authority__code", "authority__name", "source"]
    list_select_related = ["authority"]
    autocomplete_fields = ["authority"]

    def snapshot(self, obj: Recognition) -> dict[str, Any]:
        return register.recognition_snapshot(obj)

    def record(self, *, obj: Recognition, before: dict[str, Any], actor: Any, reason: str) -> None:
        register.record_recognition_change(
            recognition=obj, before=before, actor=actor, reason=reason
        )


@admin.register(ReliancePolicy)
class ReliancePolicyAdmin(ReasonForChangeAdmin):
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

    def snapshot(self, obj: ReliancePolicy) -> dict[str, Any]:
        return register.policy_snapshot(obj)

    def record(
        self, *, obj: ReliancePolicy, before: dict[str, Any], actor: Any, reason: str
    ) -> None:
        register.record_policy_change(policy=obj, before=before, actor=actor, reason=reason)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    search_fields = ["name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Organisation | None = None) -> Any:
        return ("name",) if obj is not None and catalogue.is_frozen(obj) else ()


class UserChangeWithReasonForm(UserChangeForm):
    reason = _reason_field()


class UserCreationWithReasonForm(AdminUserCreationForm):
    reason = _reason_field()


@admin.register(User)
class PortalUserAdmin(UserAdmin, ReasonForChangeAdmin):  # type: ignore[misc]
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
        ("Reason for the change", {"fields": ["reason"]}),
    )
    add_fieldsets = (
        *(UserAdmin.add_fieldsets or ()),
        ("Portal", {"fields": ["role", "organisation", "nra", "is_organisation_admin"]}),
        ("Reason for the change", {"fields": ["reason"]}),
    )
    form = UserChangeWithReasonForm
    add_form = UserCreationWithReasonForm
    autocomplete_fields = ["organisation", "nra"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def snapshot(self, obj: User) -> dict[str, Any]:
        return roles.snapshot(obj)

    def record(self, *, obj: User, before: dict[str, Any], actor: Any, reason: str) -> None:
        roles.record_roles_change(user=obj, before=before, actor=actor, reason=reason)


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
    """Cases' trails as far as the viewer may see the cases; master data's to every viewer."""

    list_display = [
        "chain",
        "waiver",
        "seq",
        "at",
        "actor_name",
        "action",
        "from_state",
        "to_state",
        "reason",
    ]
    list_filter = ["chain", "action", "to_state"]
    search_fields = ["waiver__reference", "actor_name", "reason"]
    list_select_related = ["waiver"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return AuditEntry.objects.filter(
            Q(waiver__in=access.waivers_for(request.user)) | ~Q(chain=Chain.CASE)
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
