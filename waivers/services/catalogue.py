"""An organisation's sites and products. What a request was submitted with stays as it was.

A decided case, its letter and its signature's content hash rest on the names and details of its
product and sites, so once a request using one has left the draft stage the entry is frozen:
changed details are a new site or product. A change that only drafts see is audited on each.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .. import audit
from ..errors import EntryInUse, InvalidInput, NotPermitted
from ..models import Organisation, Product, Site, State, User, WaiverRequest

EDITABLE = {
    Site: ("name", "address", "country"),
    Product: ("name", "atmp_class", "production_model", "storage", "shelf_life_days"),
}


def _validated(entry: Site | Product) -> None:
    try:
        entry.full_clean(exclude=["organisation"])
    except ValidationError as exc:
        errors = InvalidInput.messages_of(exc)
        if "non_field_errors" in errors:  # the one constraint across fields: a unique name
            errors["name"] = ["Your organisation already has one with this name."]
        raise InvalidInput(errors) from exc


def _cases_using(entry: Site | Product) -> list[WaiverRequest]:
    relation = "sites" if isinstance(entry, Site) else "product"
    return list(
        WaiverRequest.objects.filter(**{relation: entry})
        .select_for_update(of=("self",))
        .order_by("pk")
    )


def is_frozen(organisation: Organisation) -> bool:
    """An applicant's name is part of what its submitted requests were decided and signed on."""
    return organisation.waiver_requests.exclude(state=State.DRAFT).exists()


def save_entry(*, user: User, entry: Site | Product) -> Site | Product:
    """Add or change a site or product of the user's organisation (see the module's rule)."""
    if user.organisation_id is None:
        raise NotPermitted("Only applicants of an organisation keep sites and products.")
    if entry.organisation_id is None:
        entry.organisation_id = user.organisation_id
    if entry.organisation_id != user.organisation_id:
        raise NotPermitted("This belongs to another organisation.")
    _validated(entry)
    model = type(entry)
    noun = str(model._meta.verbose_name)
    try:
        with transaction.atomic():
            if entry.pk is None:
                entry.save()
                return entry
            stored = model.objects.select_for_update().get(pk=entry.pk)
            changes: dict[str, Any] = {
                f"{noun} {stored.name}: {name.replace('_', ' ')}": {
                    "old": str(getattr(stored, name)),
                    "new": str(getattr(entry, name)),
                }
                for name in EDITABLE[model]
                if getattr(stored, name) != getattr(entry, name)
            }
            if not changes:
                return entry
            cases = _cases_using(entry)
            submitted = [case.reference for case in cases if case.state != State.DRAFT]
            if submitted:
                raise EntryInUse(
                    f"{noun.capitalize()} {stored.name} is part of {', '.join(submitted)}, "
                    "already submitted: what was submitted stays as it was. Add a new "
                    f"{noun} with the changed details instead."
                )
            entry.save()
            for case in cases:
                audit.record(
                    case,
                    actor=user,
                    action="edit",
                    from_state=case.state,
                    to_state=case.state,
                    changes=changes,
                )
    except IntegrityError as exc:  # a name taken meanwhile by a concurrent save
        raise InvalidInput({"name": ["Your organisation already has one with this name."]}) from exc
    return entry
