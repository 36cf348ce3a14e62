"""Re-checking maturity when the authority register or a reliance policy changes.

Triggered after the commit of an admin edit or of ``load_authorities`` (see services.events), and
by the daily sweep for recognitions that began or ended by date. Only the open cases and granted
waivers that rely on a changed authority, or are addressed to an NRA whose policy changed, are
re-checked; the people concerned are told when a result changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from ..models import GRANTED_STATES, CertificateKind, Role, User, WaiverRequest
from ..selectors import notifications as notification_reads
from . import notifications
from .checks import LIVE_STATES, run_for


@dataclass
class MaturityReport:
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    notifications: int = 0

    def __str__(self) -> str:
        return (
            f"Maturity re-checked on {self.checked} cases; changed on {len(self.changed)}"
            f"{': ' + ', '.join(self.changed) if self.changed else ''}."
        )


def affected_cases(*, authority_ids: Iterable[int] = (), nra_ids: Iterable[int] = ()) -> list[int]:
    """Live cases relying on certificates of these authorities, or addressed to these NRAs."""
    authority_ids, nra_ids = list(authority_ids), list(nra_ids)
    if not authority_ids and not nra_ids:
        return []
    relies = Q(
        certificates__issuing_authority_id__in=authority_ids,
        certificates__kind__in=[CertificateKind.GMP, CertificateKind.CPP],
    )
    return list(
        WaiverRequest.objects.filter(state__in=LIVE_STATES)
        .filter(relies | Q(authority_id__in=nra_ids))
        .order_by()
        .values_list("pk", flat=True)
        .distinct()
    )


def recheck(
    *,
    authority_ids: Iterable[int] = (),
    nra_ids: Iterable[int] = (),
    today: date | None = None,
) -> MaturityReport:
    """Re-run the maturity check of the affected cases and tell people what changed."""
    report = MaturityReport()
    runs = run_for(
        affected_cases(authority_ids=authority_ids, nra_ids=nra_ids),
        today=today,
        names=["maturity"],
    )
    report.checked = len(runs)
    items = []
    for run in runs:
        (outcome,) = run.outcomes
        before = run.previous.get("maturity")
        if before is None or before == outcome.status:
            continue
        case = run.waiver
        report.changed.append(case.reference)
        people: list[User | int] = [*notification_reads.applicants(case)]
        if case.state in GRANTED_STATES:
            people += notification_reads.nra_staff(case, Role.APPROVER)
        else:
            people += notification_reads.assigned_reviewer(case)
        digest = hashlib.sha256(outcome.detail.encode()).hexdigest()[:16]
        items += notifications.notices(
            people,
            event="maturity_changed",
            waiver=case,
            occasion=f"{case.pk}:{outcome.status}:{digest}",
            before=before,
            outcome=outcome,
        )
    report.notifications = notifications.notify(items)
    return report
