"""Serializers translate JSON to the arguments of domain functions and domain objects back to JSON.

They hold no business rule: ownership, states and evidence checks live in waivers.services,
waivers.workflow and the models' own validation, whose errors waivers.api.errors maps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from decimal import Decimal
from operator import attrgetter
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import DecimalField, Manager, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from .. import access, workflow
from ..assessment import ANSWERS, CRITERIA
from ..errors import InvalidInput
from ..letters import VERIFICATION_STATUSES
from ..models import (
    KIND_FIELDS,
    AuditEntry,
    Authority,
    Certificate,
    CertificateKind,
    CheckResult,
    Outcome,
    Product,
    Recognition,
    Scope,
    Site,
    User,
    WaiverRequest,
)
from ..services import register
from ..sql import linked_ids

# Largest id a client may send: beyond it no object exists, and the databases' integer columns end.
MAX_ID = 2**31 - 1
TEXT_LIMIT = 20_000


class ErrorSerializer(serializers.Serializer):
    """400/401/403/404/413/415/429: `{"detail": "..."}` or `{"field": ["message"], ...}`."""

    detail = serializers.CharField(required=False)


class ConflictSerializer(serializers.Serializer):
    """409: the action does not fit the case's current state (or the case changed meanwhile)."""

    detail = serializers.CharField()
    state = serializers.CharField()


class IncompleteSerializer(ErrorSerializer):
    """400 on submit: what stops the request from being submitted."""

    reasons = serializers.ListField(child=serializers.CharField(), required=False)


# --- the authority register ---------------------------------------------------------------------


class RecognitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recognition
        fields = ["scheme", "scope", "valid_from", "valid_to", "source"]


class AuthoritySerializer(serializers.ModelSerializer):
    """Reads the register; writes it for the authority admin (recognitions replace the old ones)."""

    recognitions = RecognitionSerializer(many=True, required=False)
    code = serializers.CharField(max_length=32)
    country = serializers.RegexField(r"^[A-Z]{2}$", max_length=2)
    reason = serializers.CharField(
        write_only=True, help_text="Why the register changes, recorded in the audit trail."
    )

    class Meta:
        model = Authority
        fields = ["id", "code", "name", "country", "recognitions", "receives_requests", "reason"]

    def validate_code(self, value: str) -> str:
        taken = Authority.objects.filter(code=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("An authority with this code is already registered.")
        return value

    def validate_recognitions(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = []
        for item in value:
            try:
                Recognition(authority=Authority(), **item).full_clean(exclude=["authority"])
            except DjangoValidationError as exc:
                errors.append(InvalidInput.messages_of(exc))
            else:
                errors.append({})
        if any(errors):
            raise serializers.ValidationError(errors)
        return value

    def _save(self, authority: Authority, validated: dict[str, Any]) -> Authority:
        return register.save_authority(
            authority=authority,
            recognitions=validated.pop("recognitions", None),
            reason=validated.pop("reason", ""),
            values=validated,
            actor=self.context["request"].user,
        )

    def create(self, validated_data: dict[str, Any]) -> Authority:
        return self._save(Authority(), validated_data)

    def update(self, instance: Authority, validated_data: dict[str, Any]) -> Authority:
        return self._save(instance, validated_data)


# --- the applicant's catalogue ------------------------------------------------------------------


class SiteSerializer(serializers.ModelSerializer):
    country = serializers.RegexField(
        r"^[A-Z]{2}$", max_length=2, help_text="ISO 3166 alpha-2, upper case"
    )
    address = serializers.CharField(max_length=2000)

    class Meta:
        model = Site
        fields = ["id", "name", "address", "country", "organisation"]
        read_only_fields = ["organisation"]
        validators: list[Any] = []


class ProductSerializer(serializers.ModelSerializer):
    shelf_life_days = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=False
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "atmp_class",
            "production_model",
            "storage",
            "shelf_life_days",
            "organisation",
        ]
        read_only_fields = ["organisation"]
        validators: list[Any] = []


# --- evidence -----------------------------------------------------------------------------------


class CertificateSerializer(serializers.ModelSerializer):
    file = serializers.SerializerMethodField(help_text="Where to download the PDF.")

    class Meta:
        model = Certificate
        fields = [
            "id",
            "kind",
            "organisation",
            "original_name",
            "sha256",
            "size",
            "uploaded_at",
            "file",
            "number",
            "issuing_authority",
            "issued_on",
            "valid_until",
            "site",
            "inspected_on",
            "scope",
            "restrictions",
            "product",
            "exporting_country",
            "importing_country",
            "licensed",
            "licence_number",
            "licence_holder",
            "gmp_statement",
            "batch_number",
            "manufactured_on",
            "batch_expires_on",
            "conforms",
            "released_by",
        ]
        read_only_fields = fields

    def get_file(self, obj: Certificate) -> str:
        return f"/api/v1/certificates/{obj.pk}/file/"


@extend_schema_field(OpenApiTypes.INT)
class IdField(serializers.PrimaryKeyRelatedField):
    """An object's id. With ``scope``, only among the objects the signed-in user may see, so
    anyone else's id is simply unknown; huge or malformed ids are unknown too, never a crash."""

    def __init__(self, scope: Callable[[User], QuerySet] | None = None, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        if self.scope is None:
            return cast(QuerySet, super().get_queryset())
        return self.scope(self.context["request"].user)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not str(data).isdigit() or int(data) > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


_text: dict[str, Any] = {"required": False, "allow_blank": True}


class OptionalBoolean(serializers.BooleanField):
    """A yes/no that stays unset when a multipart form leaves it out (DRF would read False)."""

    def get_value(self, dictionary: Any) -> Any:
        if self.field_name not in dictionary:
            return serializers.empty
        return super().get_value(dictionary)


def _for_kinds(name: str) -> str:
    """Which kinds carry a field, and which must state it, read from the one declaration."""
    kinds = [
        f"{kind} (required)" if name in spec.required else kind
        for kind, spec in KIND_FIELDS.items()
        if name in spec.fields
    ]
    return f"For {', '.join(kinds)}."


class CertificateUploadSerializer(serializers.Serializer):
    """Multipart upload: the file and the metadata of its kind (see docs/api.md).

    Every metadata field is optional here: which kind needs which is the model's rule
    (``KIND_FIELDS``), and its refusals come back as 400s on the fields.
    """

    kind = serializers.ChoiceField(choices=CertificateKind.choices)
    file = serializers.FileField(allow_empty_file=True, help_text="The PDF.")
    number = serializers.CharField(max_length=100, help_text=_for_kinds("number"), **_text)
    issuing_authority = IdField(
        queryset=Authority.objects.all(), required=False, help_text=_for_kinds("issuing_authority")
    )
    issued_on = serializers.DateField(help_text=_for_kinds("issued_on"))
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text=_for_kinds("valid_until")
    )
    site = IdField(access.sites_for, required=False, help_text=_for_kinds("site"))
    inspected_on = serializers.DateField(
        required=False, allow_null=True, help_text=_for_kinds("inspected_on")
    )
    scope = serializers.CharField(max_length=300, help_text=_for_kinds("scope"), **_text)
    restrictions = serializers.CharField(
        max_length=TEXT_LIMIT, help_text=_for_kinds("restrictions"), **_text
    )
    product = IdField(access.products_for, required=False, help_text=_for_kinds("product"))
    exporting_country = serializers.RegexField(
        r"^[A-Z]{2}$", max_length=2, required=False, help_text=_for_kinds("exporting_country")
    )
    importing_country = serializers.RegexField(
        r"^[A-Z]{2}$", max_length=2, required=False, help_text=_for_kinds("importing_country")
    )
    licensed = OptionalBoolean(required=False, allow_null=True, help_text=_for_kinds("licensed"))
    licence_number = serializers.CharField(
        max_length=100, help_text=_for_kinds("licence_number"), **_text
    )
    licence_holder = serializers.CharField(
        max_length=200, help_text=_for_kinds("licence_holder"), **_text
    )
    gmp_statement = serializers.CharField(
        max_length=TEXT_LIMIT, help_text=_for_kinds("gmp_statement"), **_text
    )
    batch_number = serializers.CharField(
        max_length=100, help_text=_for_kinds("batch_number"), **_text
    )
    manufactured_on = serializers.DateField(
        required=False, allow_null=True, help_text=_for_kinds("manufactured_on")
    )
    batch_expires_on = serializers.DateField(
        required=False, allow_null=True, help_text=_for_kinds("batch_expires_on")
    )
    conforms = OptionalBoolean(required=False, allow_null=True, help_text=_for_kinds("conforms"))
    released_by = serializers.CharField(
        max_length=200, help_text=_for_kinds("released_by"), **_text
    )

    def metadata(self) -> dict[str, Any]:
        """Only what the client sent, so the service can refuse fields alien to the kind."""
        known = {name for spec in KIND_FIELDS.values() for name in spec.fields}
        return {k: v for k, v in self.validated_data.items() if k in known}


# --- waiver requests ----------------------------------------------------------------------------

_units: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 3,
    "min_value": 0,
    "coerce_to_string": False,
}
_days: dict[str, Any] = {
    "max_digits": 8,
    "decimal_places": 2,
    "min_value": 0,
    "coerce_to_string": False,
}


class SamplingSerializer(serializers.Serializer):
    """The sampling-impact calculator's inputs stored on the request."""

    batch_size = serializers.DecimalField(**_units, required=False, allow_null=True)
    release_units = serializers.DecimalField(**_units, required=False, allow_null=True)
    retention_units = serializers.DecimalField(**_units, required=False, allow_null=True)
    stability_units = serializers.DecimalField(**_units, required=False, allow_null=True)
    in_country_units = serializers.DecimalField(**_units, required=False, allow_null=True)
    testing_countries = serializers.IntegerField(min_value=1, max_value=300, required=False)
    units_per_patient = serializers.DecimalField(**_units, required=False, allow_null=True)
    shelf_life_days = serializers.DecimalField(**_days, required=False, allow_null=True)
    shipping_days = serializers.DecimalField(**_days, required=False, allow_null=True)
    testing_days = serializers.DecimalField(**_days, required=False, allow_null=True)


class LinkedIds(serializers.ManyRelatedField):
    """The ids of a case's sites or certificates: read from those its WaiverSerializer loaded
    with ``linked_ids``, written as a list that ``child_relation`` checks id by id."""

    def get_attribute(self, instance: WaiverRequest) -> list[int]:
        return cast(WaiverSerializer, self.parent).linked_ids[instance.pk][
            cast(str, self.field_name)
        ]

    def to_representation(self, value: Iterable[Any]) -> list[Any]:
        return list(value)


class WaiverListSerializer(serializers.ListSerializer):
    """A page of cases: the site and certificate ids of all of them in one query, and each row
    read by ``row_reader``, as the child would serialise it."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        cases = list(data.all() if isinstance(data, Manager) else data)
        child = cast(WaiverSerializer, self.child)
        child.linked_ids.update(linked_ids(cases))
        row = row_reader(type(child))
        return [row(child, case) for case in cases]


#: Reads one field (or a whole nested row) of a case for its JSON: (serializer, case) → value.
Reader = Callable[[Any, WaiverRequest], Any]


@functools.cache
def row_reader(serializer_class: type[serializers.Serializer]) -> Reader:
    """What ``serializer_class().to_representation(case)`` gives, read by a plan of its fields
    made once per process: DRF builds the fields anew for every request and looks each value up
    through its generic attribute machinery, which cost more than the page's queries (bench/README.md,
    "API list: second round"). Each field still formats its own value (dates, decimals, choices),
    and tests hold the rows to the generic ones."""
    return _nested_reader(serializer_class(), WaiverRequest)


def _nested_reader(serializer: serializers.Serializer, model: Any) -> Reader:
    readers = [
        (name, _field_reader(field, model))
        for name, field in serializer.fields.items()
        if not field.write_only
    ]
    return lambda parent, case: {name: read(parent, case) for name, read in readers}


def _field_reader(field: serializers.Field, model: Any) -> Reader:
    name = cast(str, field.field_name)
    if isinstance(field, serializers.SerializerMethodField):
        method = cast(str, field.method_name)
        return lambda parent, case: getattr(parent, method)(case)
    if isinstance(field, LinkedIds):
        return lambda parent, case: parent.linked_ids[case.pk][name]
    if isinstance(field, serializers.Serializer) and field.source == "*":
        return _nested_reader(field, model)
    column = model._meta.get_field(field.source)
    if not column.concrete or field.source_attrs != [field.source]:
        raise ImproperlyConfigured(f"{name}: no row reader for {type(field).__name__}")
    value_of = attrgetter(column.attname)
    if isinstance(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None:
        return lambda parent, case: value_of(case)  # the id, as DRF's pk-only optimisation reads it
    if _stored_as_represented(field, column):
        return lambda parent, case: value_of(case)
    represent = field.to_representation

    def read(parent: Any, case: WaiverRequest) -> Any:
        value = value_of(case)
        return None if value is None else represent(value)

    return read


def _stored_as_represented(field: serializers.Field, column: Any) -> bool:
    """A decimal read from a column of the field's own digits and places is already in the form
    DRF's quantizing gives it, which costs ~1.5 µs for each of a list page's 225 decimals."""
    return (
        isinstance(field, serializers.DecimalField)
        and not getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.normalize_output
        and isinstance(column, DecimalField)
        and (column.max_digits, column.decimal_places) == (field.max_digits, field.decimal_places)
    )


class WaiverSerializer(serializers.ModelSerializer):
    """A waiver request as docs/api.md lists its fields (plus `version`, for optimistic locking)."""

    sampling = SamplingSerializer(source="*", required=False)
    clock_days = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    authority = IdField(queryset=Authority.objects.all(), help_text="The NRA addressed.")
    product = IdField(access.products_for)
    sites = LinkedIds(child_relation=IdField(access.sites_for), required=False)
    certificates = LinkedIds(child_relation=IdField(access.certificates_for), required=False)
    justification = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    scope = serializers.ChoiceField(choices=Scope.choices)

    class Meta:
        model = WaiverRequest
        list_serializer_class = WaiverListSerializer
        fields = [
            "id",
            "reference",
            "state",
            "version",
            "scope",
            "product",
            "sites",
            "authority",
            "organisation",
            "justification",
            "certificates",
            "sampling",
            "reviewer",
            "submitted_at",
            "decided_at",
            "clock_days",
            "outcome",
            "valid_until",
        ]
        read_only_fields = [
            "reference",
            "state",
            "version",
            "organisation",
            "reviewer",
            "submitted_at",
            "decided_at",
            "valid_until",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.linked_ids: dict[int, dict[str, list[int]]] = {}

    def to_representation(self, instance: WaiverRequest) -> dict[str, Any]:
        if instance.pk not in self.linked_ids:  # a single case; a list loads its whole page
            self.linked_ids.update(linked_ids([instance]))
        return super().to_representation(instance)

    def get_clock_days(self, obj: WaiverRequest) -> int | None:
        return obj.clock_days()

    @extend_schema_field(serializers.ChoiceField(choices=Outcome.choices, allow_null=True))
    def get_outcome(self, obj: WaiverRequest) -> str | None:
        """The signed decision; null until one is signed."""
        return obj.outcome or None

    def domain_values(self) -> dict[str, Any]:
        """The validated input as keyword arguments of create_request / update_draft."""
        return dict(self.validated_data)


class WaiverUpdateSerializer(WaiverSerializer):
    """PATCH: any editable field, plus the `version` the client last saw (409 if it changed)."""

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The version you last read; the edit is refused with 409 if it changed.",
    )

    class Meta(WaiverSerializer.Meta):
        read_only_fields = [f for f in WaiverSerializer.Meta.read_only_fields if f != "version"]

    def domain_values(self) -> dict[str, Any]:
        values = dict(self.validated_data)
        values.pop("version", None)
        return values


class CheckResultSerializer(serializers.ModelSerializer):
    check = serializers.CharField(source="check_name")

    class Meta:
        model = CheckResult
        fields = ["check", "status", "detail", "ran_at"]


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", help_text="As shown at the time.")

    class Meta:
        model = AuditEntry
        fields = ["seq", "at", "actor", "action", "from_state", "to_state", "changes", "reason"]


# --- workflow actions ---------------------------------------------------------------------------


class ActionSerializer(serializers.Serializer):
    """Every action accepts the `version` the client last read (optional): 409 if it changed."""

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The version you last read; the action is refused with 409 if it changed.",
    )


class MessageSerializer(ActionSerializer):
    message = serializers.CharField(max_length=TEXT_LIMIT)


class AssignSerializer(ActionSerializer):
    reviewer = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="A reviewer of this NRA; leave out to take the case yourself.",
    )

    def validate_reviewer(self, value: int | None) -> User | None:
        """The id as the user it names: the workflow checks that they may review the case."""
        if value is None:
            return None
        reviewer = User.objects.filter(pk=value).first()
        if reviewer is None:
            raise serializers.ValidationError(workflow.NOT_A_REVIEWER)
        return reviewer


OVERRIDES_HELP = (
    "Failed automated checks decided against, where the NRA's policy allows it: check name "
    "(completeness, validity, maturity, consistency) → written justification."
)


class CriterionAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=list(ANSWERS))
    note = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)


class RespondSerializer(MessageSerializer):
    certificates = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=100,
        help_text="Ids of your organisation's certificates to add to the request.",
    )


class RecommendSerializer(ActionSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    rationale = serializers.CharField(max_length=TEXT_LIMIT)
    conditions = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    assessment = serializers.DictField(
        child=CriterionAnswerSerializer(),
        required=False,
        help_text="The reliance checklist: criterion → answer and note (a note where not met). "
        "Required for approve and partial: " + ", ".join(c.key for c in CRITERIA) + ".",
    )
    overrides = serializers.DictField(
        child=serializers.CharField(max_length=TEXT_LIMIT), required=False, help_text=OVERRIDES_HELP
    )


class SignSerializer(ActionSerializer):
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    meaning = serializers.ChoiceField(choices=["approval"])
    overrides = serializers.DictField(
        child=serializers.CharField(max_length=TEXT_LIMIT), required=False, help_text=OVERRIDES_HELP
    )


class RevokeSerializer(ActionSerializer):
    reason = serializers.CharField(max_length=TEXT_LIMIT)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class LegalHoldSerializer(serializers.Serializer):
    hold = serializers.BooleanField(help_text="true: put on legal hold; false: release it")
    reason = serializers.CharField(max_length=TEXT_LIMIT, write_only=True)
    legal_hold_reason = serializers.CharField(read_only=True)


class VerificationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    document = serializers.CharField(help_text="decision letter or batch acknowledgement")
    reference = serializers.CharField()
    decision = serializers.CharField()
    issued_at = serializers.DateTimeField()
    sha256 = serializers.CharField()
    product = serializers.CharField()
    applicant = serializers.CharField(help_text="the organisation the waiver was granted to")
    nra = serializers.CharField(help_text="the NRA that decided")
    status = serializers.ChoiceField(
        choices=VERIFICATION_STATUSES,
        help_text="the waiver's standing today (a batch acknowledgement: the batch's outcome)",
    )
    status_detail = serializers.CharField(help_text="the status in a sentence, with its date")
    version = serializers.IntegerField(allow_null=True, help_text="the letter's version")
    valid_until = serializers.DateField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    superseded_by_version = serializers.IntegerField(allow_null=True)


class NotVerifiedSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    detail = serializers.CharField()
