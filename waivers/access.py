"""Who may see what. Every view, API endpoint, download and admin page scopes through here.

Someone else's object is simply absent from these querysets, so entry points answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from .models import SUBMITTED_TO_NRA, Certificate, Product, Role, Site, User, WaiverRequest

M = TypeVar("M", bound=Model)
NRA_ROLES = (Role.REVIEWER, Role.APPROVER)
ALL_CASES = "all"


def _visible_cases(user: User | AnonymousUser) -> tuple[str, Q] | None:
    """The name and the condition of the cases the user may see (None: none at all)."""
    if not isinstance(user, User) or not user.is_active:
        return None
    if user.is_superuser:
        return ALL_CASES, Q()
    if user.role == Role.APPLICANT and user.organisation_id is not None:
        return f"organisation:{user.organisation_id}", Q(organisation_id=user.organisation_id)
    if user.role in NRA_ROLES and user.nra_id is not None:
        return f"authority:{user.nra_id}", SUBMITTED_TO_NRA & Q(authority_id=user.nra_id)
    return None


def waivers_for(user: User | AnonymousUser) -> QuerySet[WaiverRequest]:
    """Applicants: their organisation's cases. NRA staff: submitted cases addressed to their NRA."""
    visible = _visible_cases(user)
    if visible is None:
        return WaiverRequest.objects.none()
    return WaiverRequest.objects.filter(visible[1])


def case_scope(user: User | AnonymousUser) -> str | None:
    """The name of the set of cases ``waivers_for(user)`` gives: shared by everyone who sees the
    same cases (an NRA's staff, an organisation's applicants), as ``scopes_of`` names them."""
    visible = _visible_cases(user)
    return None if visible is None else visible[0]


def scopes_of(case: WaiverRequest) -> tuple[str, ...]:
    """Every scope that may see the case (whether it does depends on its state, which changes)."""
    return ALL_CASES, f"organisation:{case.organisation_id}", f"authority:{case.authority_id}"


def _organisation_owned(
    qs: QuerySet[M], user: User | AnonymousUser, seen_by_nra: Callable[[QuerySet[WaiverRequest]], Q]
) -> QuerySet[M]:
    """Applicants see their organisation's objects; NRA staff those used by cases they may see."""
    if not isinstance(user, User) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.role == Role.APPLICANT:
        return qs.filter(organisation_id=user.organisation_id)
    if user.role in NRA_ROLES:
        return qs.filter(pk__in=qs.filter(seen_by_nra(waivers_for(user))).values("pk"))
    return qs.none()


def certificates_for(user: User | AnonymousUser) -> QuerySet[Certificate]:
    return _organisation_owned(
        Certificate.objects.all(),
        user,
        lambda cases: Q(waiver_requests__in=cases) | Q(batch_notifications__waiver__in=cases),
    )


def sites_for(user: User | AnonymousUser) -> QuerySet[Site]:
    return _organisation_owned(Site.objects.all(), user, lambda cases: Q(waiver_requests__in=cases))


def products_for(user: User | AnonymousUser) -> QuerySet[Product]:
    return _organisation_owned(
        Product.objects.all(), user, lambda cases: Q(waiver_requests__in=cases)
    )
