"""Who may call which API endpoint, checked at the top of each one (scoping is waivers.access)."""

from __future__ import annotations

from typing import Any, cast

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from ..models import Role, User


def signed_in(request: Request) -> User:
    """The user behind a request that passed IsAuthenticated (typed for the domain's signatures)."""
    assert isinstance(request.user, User)
    return request.user


def viewer(request: Request) -> User:
    """The user whose view of the data a queryset takes; waivers.access gives anonymous nothing."""
    return cast(User, request.user)


def is_register_admin(user: Any) -> bool:
    """The authority admin: the registrar role, or a user granted the register's model permissions."""
    return user.is_authenticated and (
        user.role == Role.REGISTRAR
        or user.has_perms(["waivers.add_authority", "waivers.change_authority"])
    )


class RegisterAdminWrites(BasePermission):
    """Any signed-in user reads the authority register; only the authority admin maintains it."""

    message = "Only the authority admin maintains the register."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_register_admin(request.user)


class ApplicantWrites(BasePermission):
    """Reads are scoped by waivers.access; creating is for applicants of an organisation."""

    message = "Only applicants of an organisation can do that."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = signed_in(request)
        return user.role == Role.APPLICANT and user.organisation_id is not None
