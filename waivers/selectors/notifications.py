"""Who is concerned by an event, and the in-app notification list: reads only."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from ..models import Notification, Role, User, WaiverRequest

# Who is concerned ----------------------------------------------------------------------------


def applicants_of(organisation_ids: Iterable[int]) -> QuerySet[User]:
    return User.objects.filter(
        organisation_id__in=list(organisation_ids), role=Role.APPLICANT, is_active=True
    )


def nra_staff_of(nra_ids: Iterable[int], *roles: str) -> QuerySet[User]:
    return User.objects.filter(nra_id__in=list(nra_ids), role__in=roles, is_active=True)


def applicants(waiver: WaiverRequest) -> QuerySet[User]:
    return applicants_of([waiver.organisation_id])


def nra_staff(waiver: WaiverRequest, *roles: str) -> QuerySet[User]:
    return nra_staff_of([waiver.authority_id], *roles)


def assigned_reviewer(waiver: WaiverRequest) -> list[int]:
    return [waiver.reviewer_id] if waiver.reviewer_id else []


# The in-app list ----------------------------------------------------------------------------


def for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("waiver")


def unread_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
