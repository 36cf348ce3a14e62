"""The daily expiry sweep: lapsed waivers, expiring evidence, and the checks that depend on them.

Set-based throughout: one indexed query finds the live cases whose evidence expires within the
widest warning window (or whose CPP outgrew the shortest allowed age), one finds the granted
waivers near or past their validity, one those relying on authorities whose recognition began or
ended this week, and checks run
over those cases in prefetched chunks. Nothing is done per certificate in the database, so the
cost follows the number of affected cases, not the size of the certificate table.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Min, Q
from django.utils import timezone

from .. import workflow
from ..errors import DomainError
from ..models import (
    GRANTED_STATES,
    OPEN_STATES,
    CertificateKind,
    CheckStatus,
    Recognition,
    ReliancePolicy,
    Role,
    User,
    WaiverRequest,
)
from . import maturity, notifications
from .checks import LIVE_STATES, Run, run_for

#: Recognitions that began or ended this recently are re-checked by the sweep (it may miss a day).
RECOGNITION_LOOKBACK = timedelta(days=7)
#: The checks whose failure on a granted waiver means its evidence no longer holds.
EVIDENCE_CHECKS = ("validity", "maturity")


@dataclass
class SweepReport:
    today: date
    cases_checked: int = 0
    expiring: int = 0
    expired: int = 0
    lapsed: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    notifications: int = 0

    def __str__(self) -> str:
        def listed(refs: list[str]) -> str:
            if not refs:
                return ""
            more = f" and {len(refs) - 20} more" if len(refs) > 20 else ""
            return ": " + ", ".join(refs[:20]) + more

        lines = [
            f"Expiry sweep for {self.today:%Y-%m-%d}:",
            f"  {self.cases_checked} open cases and granted waivers re-checked",
            f"  {self.expiring} certificates relied on expire within the warning window",
            f"  {self.expired} certificates relied on have expired",
            f"  {len(self.lapsed)} waivers lapsed{listed(self.lapsed)}",
            f"  {len(self.flagged)} waivers flagged for the approver{listed(self.flagged)}",
            f"  {self.notifications} notifications sent",
        ]
        return "\n".join(lines)


def _bounds() -> tuple[int, int]:
    """The widest warning window and the shortest CPP age any NRA allows (one query)."""
    found = ReliancePolicy.objects.aggregate(
        window=Max("expiry_warning_days"), cpp_age=Min("max_cpp_age_days")
    )
    default = ReliancePolicy()
    return (
        found["window"] if found["window"] is not None else default.expiry_warning_days,
        found["cpp_age"] if found["cpp_age"] is not None else default.max_cpp_age_days,
    )


def _window(case: WaiverRequest) -> int:
    policy = getattr(case.authority, "policy", None)
    return (policy or ReliancePolicy()).expiry_warning_days


def _lapse(today: date, report: SweepReport) -> None:
    """Granted waivers whose validity ended move to expired, audited, one transaction each."""
    lapsed = WaiverRequest.objects.filter(state__in=GRANTED_STATES, valid_until__lt=today)
    for pk, reference, valid_until in lapsed.values_list("pk", "reference", "valid_until"):
        try:
            workflow.fire(
                pk,
                "lapse",
                actor=None,
                reason=f"The waiver's validity ended on {valid_until:%Y-%m-%d}.",
            )
        except DomainError:
            continue  # revoked or renewed meanwhile
        report.lapsed.append(reference)


def _affected(today: date) -> set[int]:
    window, cpp_age = _bounds()
    horizon = today + timedelta(days=window)
    ageing = Q(
        certificates__kind=CertificateKind.CPP,
        certificates__issued_on__lt=today - timedelta(days=cpp_age),
    )
    evidence = (
        WaiverRequest.objects.filter(state__in=LIVE_STATES)
        .filter(Q(certificates__valid_until__lte=horizon) | ageing)
        .order_by()
        .values_list("pk", flat=True)
        .distinct()
    )
    validity = WaiverRequest.objects.filter(
        state__in=GRANTED_STATES, valid_until__lte=horizon
    ).values_list("pk", flat=True)
    recently = Q(valid_from__gt=today - RECOGNITION_LOOKBACK, valid_from__lte=today) | Q(
        valid_to__gte=today - RECOGNITION_LOOKBACK, valid_to__lt=today
    )
    authorities = Recognition.objects.filter(recently).values_list("authority_id", flat=True)
    return {
        *evidence,
        *validity,
        *maturity.affected_cases(authority_ids=set(authorities)),
    }


def _notices(runs: list[Run], today: date, report: SweepReport) -> list[notifications.Notice]:
    organisations = {r.waiver.organisation_id for r in runs}
    nras = {r.waiver.authority_id for r in runs if r.waiver.state in GRANTED_STATES}
    applicants: dict[int, list[int]] = defaultdict(list)
    for pk, org in User.objects.filter(
        organisation_id__in=organisations, role=Role.APPLICANT, is_active=True
    ).values_list("pk", "organisation_id"):
        applicants[org].append(pk)
    approvers: dict[int, list[int]] = defaultdict(list)
    for pk, nra in User.objects.filter(
        nra_id__in=nras, role=Role.APPROVER, is_active=True
    ).values_list("pk", "nra_id"):
        approvers[nra].append(pk)

    items: list[notifications.Notice] = []
    for run in runs:
        case = run.waiver
        window = _window(case)
        told = applicants[case.organisation_id] + (
            [case.reviewer_id] if case.state in OPEN_STATES and case.reviewer_id else []
        )
        for c in case.certificates.all():
            if c.kind == CertificateKind.COA or c.valid_until is None:
                continue
            days = (c.valid_until - today).days
            if days > window:
                continue
            event = "evidence_expired" if days < 0 else "evidence_expiring"
            if days < 0:
                report.expired += 1
            else:
                report.expiring += 1
            items += notifications.notices(
                told,
                event=event,
                waiver=case,
                occasion=f"{case.pk}:{c.pk}:{c.valid_until}",
                certificate=c,
                days=days,
            )
        if case.state not in GRANTED_STATES:
            continue
        if case.valid_until and 0 <= (case.valid_until - today).days <= window:
            items += notifications.notices(
                applicants[case.organisation_id],
                event="waiver_expiring",
                waiver=case,
                occasion=f"{case.pk}:{case.valid_until}",
                days=(case.valid_until - today).days,
            )
        failed = [
            o for o in run.outcomes if o.check in EVIDENCE_CHECKS and o.status == CheckStatus.FAIL
        ]
        if failed:
            report.flagged.append(case.reference)
            digest = hashlib.sha256("".join(o.detail for o in failed).encode()).hexdigest()[:16]
            items += notifications.notices(
                approvers[case.authority_id],
                event="evidence_lapsed",
                waiver=case,
                occasion=f"{case.pk}:{digest}",
                failed=failed,
            )
    return items


def sweep(*, today: date | None = None) -> SweepReport:
    """Lapse ended waivers, re-check what expiring evidence touches, tell who must act."""
    today = today or timezone.now().date()
    report = SweepReport(today=today)
    _lapse(today, report)
    runs = run_for(_affected(today), today=today)
    report.cases_checked = len(runs)
    report.notifications = notifications.notify(_notices(runs, today, report))
    return report
