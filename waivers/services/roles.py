"""Changes of who may do what: a user's role, organisation, NRA and admin rights, in the trail."""

from __future__ import annotations

from typing import Any

from .. import audit
from ..models import Chain, User

#: What decides what a user may see and do.
ROLE_FIELDS = ("role", "organisation_id", "nra_id", "is_organisation_admin", "is_active")
ROLE_FLAGS = ("is_staff", "is_superuser")


def snapshot(user: User) -> dict[str, Any]:
    """A user's roles as the trail records them ({} before the user exists)."""
    if user.pk is None:
        return {}
    return {
        **{f.removesuffix("_id"): getattr(user, f) for f in ROLE_FIELDS + ROLE_FLAGS},
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
    }


def record_roles_change(
    *, user: User, before: dict[str, Any], actor: User | None, reason: str
) -> None:
    """Record the change of ``user``'s roles since ``before`` (nothing if they did not change)."""
    audit.record_master_change(
        Chain.ROLES,
        actor=actor,
        subject=f"user {user.username}",
        before=before,
        after=snapshot(user),
        reason=reason,
    )
