"""Creating and editing waiver requests. State changes go through waivers.workflow.fire."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import audit
from ..errors import InvalidInput, NotPermitted, StaleCase, TransitionNotAllowed
from ..models import (
    GRANTED_STATES,
    SAMPLING_FIELDS,
    Authority,
    ReferenceCounter,
    Role,
    State,
    User,
    WaiverRequest,
)

EDITABLE_FIELDS = ("authority", "scope", "product", "justification", *SAMPLING_FIELDS)
RELATED_FIELDS = ("sites", "certificates")


def next_reference(year: int | None = None) -> str:
    """WR-YYYY-NNNNNN from a per-year counter, incremented under a row lock."""
    year = year or timezone.now().year
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(year=year)
        counter = ReferenceCounter.objects.select_for_update().get(year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"WR-{year}-{counter.last:06d}"


def _require_applicant(user: User) -> None:
    if user.role != Role.APPLICANT or user.organisation_id is None:
        raise NotPermitted("Only applicants of an organisation create and edit waiver requests.")


def _check_ownership(user: User, values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    authority = values.get("authority")
    if authority is not None and not (
        isinstance(authority, Authority) and authority.receives_requests
    ):
        errors["authority"] = ["Choose an NRA that receives waiver requests through this portal."]
    product = values.get("product")
    if product is not None and product.organisation_id != user.organisation_id:
        errors["product"] = ["Choose one of your organisation's products."]
    for name in RELATED_FIELDS:
        if any(obj.organisation_id != user.organisation_id for obj in values.get(name) or []):
            errors[name] = ["Choose your organisation's own."]
    if errors:
        raise InvalidInput(errors)


def _clean(case: WaiverRequest) -> None:
    try:
        case.full_clean(exclude=["reference", "organisation", "created_by"])  # not user input
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from exc


def _related_ids(case: WaiverRequest) -> dict[str, list[int]]:
    return {
        name: sorted(getattr(case, name).values_list("pk", flat=True)) for name in RELATED_FIELDS
    }


def create_request(*, user: User, **values: Any) -> WaiverRequest:
    """A new draft for the user's organisation."""
    _require_applicant(user)
    unknown = set(values) - set(EDITABLE_FIELDS) - set(RELATED_FIELDS)
    if unknown:
        raise InvalidInput({name: ["Unknown field."] for name in sorted(unknown)})
    _check_ownership(user, values)
    related = {name: values.pop(name, None) or [] for name in RELATED_FIELDS}
    now = timezone.now()
    assert user.organisation_id is not None  # _require_applicant checked it
    case = WaiverRequest(
        organisation_id=user.organisation_id,
        created_by=user,
        created_at=now,
        updated_at=now,
        **values,
    )
    case.reference = "pending"
    _clean(case)
    with transaction.atomic():
        case.reference = next_reference(now.year)
        case.save()
        for name, objs in related.items():
            getattr(case, name).set(objs)
        audit.record(
            case, actor=user, action="create", to_state=State.DRAFT, changes=_related_ids(case)
        )
    return case


def update_draft(
    *, waiver: WaiverRequest, user: User, expected_version: int | None = None, **values: Any
) -> WaiverRequest:
    """Edit a draft; every changed field is audited (old → new)."""
    _require_applicant(user)
    unknown = set(values) - set(EDITABLE_FIELDS) - set(RELATED_FIELDS)
    if unknown:
        raise InvalidInput({name: ["Unknown field."] for name in sorted(unknown)})
    _check_ownership(user, values)
    with transaction.atomic():
        case = WaiverRequest.objects.select_for_update().get(pk=waiver.pk)
        if case.organisation_id != user.organisation_id:
            raise NotPermitted("This case belongs to another organisation.")
        if expected_version is not None and case.version != expected_version:
            raise StaleCase(case.state)
        if case.state != State.DRAFT:
            raise TransitionNotAllowed("edit", case.state, "edit")
        changes: dict[str, Any] = {}
        for name, value in values.items():
            if name in RELATED_FIELDS:
                continue
            old = getattr(case, name)
            if old != value:
                changes[name] = {
                    "old": str(old) if old is not None else None,
                    "new": str(value) if value is not None else None,
                }
                setattr(case, name, value)
        _clean(case)
        before = _related_ids(case)
        for name in RELATED_FIELDS:
            if name in values:
                getattr(case, name).set(values[name] or [])
        after = _related_ids(case)
        changes |= {
            name: {"old": before[name], "new": after[name]}
            for name in RELATED_FIELDS
            if before[name] != after[name]
        }
        if changes:
            case.version += 1
            case.updated_at = timezone.now()
            case.save()
            audit.record(
                case,
                actor=user,
                action="edit",
                from_state=case.state,
                to_state=case.state,
                changes=changes,
            )
    return case


RENEWABLE_STATES = (*GRANTED_STATES, State.EXPIRED)


def renew(*, waiver: WaiverRequest, user: User) -> WaiverRequest:
    """A new draft copying a granted or expired waiver's request, linked to it by ``renewal_of``.

    One draft renewal at a time: asking again returns the draft already started.
    """
    _require_applicant(user)
    if waiver.organisation_id != user.organisation_id:
        raise NotPermitted("This case belongs to another organisation.")
    if waiver.state not in RENEWABLE_STATES:
        raise TransitionNotAllowed("renew", waiver.state, "apply for renewal of")
    pending = waiver.renewals.filter(state=State.DRAFT).first()
    if pending is not None:
        return pending
    values: dict[str, Any] = {name: getattr(waiver, name) for name in EDITABLE_FIELDS}
    values["sites"] = list(waiver.sites.all())
    values["certificates"] = list(waiver.certificates.all())
    with transaction.atomic():
        renewal = create_request(user=user, **values)
        renewal.renewal_of = waiver
        renewal.save(update_fields=["renewal_of"])
        audit.record(
            renewal,
            actor=user,
            action="renew",
            from_state=State.DRAFT,
            to_state=State.DRAFT,
            changes={"renewal_of": waiver.reference},
            reason=f"Renewal of {waiver.reference}",
        )
    return renewal
