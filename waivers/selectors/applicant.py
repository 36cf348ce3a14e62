"""Read queries behind the applicant's pages, all scoped through waivers.access."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from ..access import certificates_for, products_for, sites_for, waivers_for
from ..audit import APPLICANT_FACING_ACTIONS, entries_for
from ..audit_text import Step, readable
from ..models import (
    Authority,
    Certificate,
    CheckResult,
    DecisionLetter,
    Message,
    Product,
    Site,
    User,
    WaiverRequest,
)


def home_requests(user: User, *, state: str = "", q: str = "") -> QuerySet[WaiverRequest]:
    """The organisation's requests, newest change first, optionally by state and text."""
    cases = waivers_for(user).select_related("authority", "product").order_by("-updated_at")
    if state:
        cases = cases.filter(state=state)
    if q.strip():
        text = q.strip()
        cases = cases.filter(Q(reference__icontains=text) | Q(product__name__icontains=text))
    return cases


def sites(user: User) -> QuerySet[Site]:
    return sites_for(user).order_by("name")


def products(user: User) -> QuerySet[Product]:
    return products_for(user).order_by("name")


def certificates(user: User) -> QuerySet[Certificate]:
    return certificates_for(user).select_related("issuing_authority", "site", "product")


def receiving_nras() -> QuerySet[Authority]:
    return Authority.objects.filter(receives_requests=True).select_related("policy")


def last_addressed_nra(user: User) -> int | None:
    """The NRA of the organisation's most recently changed request: the likely one to check against."""
    return home_requests(user).values_list("authority_id", flat=True).first()


def authority_register() -> QuerySet[Authority]:
    return Authority.objects.order_by("code")


def case_by_reference(user: User, reference: str) -> WaiverRequest:
    """One of the user's cases, or Http404 via DoesNotExist for anyone else's."""
    return (
        waivers_for(user)
        .select_related("authority", "authority__policy", "product", "renewal_of")
        .prefetch_related(
            "sites",
            Prefetch(
                "certificates", queryset=Certificate.objects.select_related("issuing_authority")
            ),
        )
        .get(reference=reference)
    )


@dataclass(frozen=True)
class StatusPage:
    """Everything the status page shows of a case."""

    case: WaiverRequest
    timeline: list[Step]
    checks: list[CheckResult]
    messages: list[Message]
    letter: DecisionLetter | None
    renewals: list[WaiverRequest]


def status_page(case: WaiverRequest) -> StatusPage:
    return StatusPage(
        case=case,
        timeline=readable(entries_for(case).filter(action__in=APPLICANT_FACING_ACTIONS)),
        checks=list(case.check_results.all()),
        messages=list(case.messages.select_related("author")),
        letter=latest_letter(case),
        renewals=list(case.renewals.all()),
    )


def latest_letter(case: WaiverRequest) -> DecisionLetter | None:
    return case.letters.order_by("-version").first()


def colleagues(user: User) -> QuerySet[User]:
    return User.objects.filter(organisation=user.organisation).order_by("last_name", "username")
