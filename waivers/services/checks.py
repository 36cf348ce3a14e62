"""Running the automated checks and storing their results, for one case or many at once.

Many cases are loaded in chunks with everything the checks read prefetched, so the cost is a
handful of queries per chunk, not per case or per certificate; results are upserted in bulk.

Every writer of results stores them through ``storing``, which keeps each case's ``check_status``
(the worst result, which the queue filters on) with them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import (
    Case,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import checks
from ..models import (
    GRANTED_STATES,
    OPEN_STATES,
    Certificate,
    CheckResult,
    CheckStatus,
    WaiverRequest,
)

CHUNK = 500
#: Cases whose checks are kept current: under review, or a waiver in force.
LIVE_STATES = (*OPEN_STATES, *GRANTED_STATES)


def with_check_data(qs: QuerySet[WaiverRequest]) -> QuerySet[WaiverRequest]:
    """The cases with everything the checks read, in a fixed number of queries."""
    return qs.select_related("authority__policy", "product", "organisation").prefetch_related(
        "sites",
        "authority__policy__mra_partners",
        Prefetch(
            "certificates",
            queryset=Certificate.objects.select_related("issuing_authority").prefetch_related(
                "issuing_authority__recognitions"
            ),
        ),
    )


#: Severity of a check status, so "the worst" is the greatest (CheckStatus lists them in order).
_SEVERITY = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate(CheckStatus)],
    default=Value(0),
    output_field=IntegerField(),
)


def worst_result() -> Coalesce:
    """The worst of a case's stored check results ('' when none has run), read through the
    unique index of one_result_per_check (waiver, check_name)."""
    worst = (
        CheckResult.objects.filter(waiver=OuterRef("pk"))
        .annotate(severity=_SEVERITY)
        .order_by("-severity")
        .values("status")[:1]
    )
    return Coalesce(Subquery(worst), Value(""))


@contextmanager
def storing(waiver_ids: Collection[int]) -> Iterator[None]:
    """Around a write of these cases' check results: one transaction that first locks the cases
    and after the write sets each one's ``check_status`` to its worst result, where it changed.

    Every writer locks the cases before their results, in id order (the workflow locks a case
    and writes no results), so two writers never wait on each other in a circle."""
    ids = sorted(set(waiver_ids))
    cases = WaiverRequest.objects.filter(pk__in=ids)
    with transaction.atomic():
        list(cases.order_by("pk").select_for_update().values_list("pk", flat=True))
        yield
        moved: dict[str, list[int]] = defaultdict(list)
        for pk, was, worst in cases.annotate(worst=worst_result()).values_list(
            "pk", "check_status", "worst"
        ):
            if was != worst:
                moved[worst].append(pk)
        for status, pks in moved.items():
            WaiverRequest.objects.filter(pk__in=pks).update(check_status=status)


@dataclass
class Run:
    """One case's fresh outcomes, and the status each check had before this run."""

    waiver: WaiverRequest
    outcomes: list[checks.Outcome]
    previous: dict[str, str] = field(default_factory=dict)

    def changed(self) -> list[checks.Outcome]:
        return [o for o in self.outcomes if self.previous.get(o.check) != o.status]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def run_for(
    waiver_ids: Iterable[int], *, today: date | None = None, names: list[str] | None = None
) -> list[Run]:
    """Run the checks (all, or ``names``) on these cases and store the results."""
    today = today or timezone.now().date()
    ran_at = timezone.now()
    runs: list[Run] = []
    for chunk in _chunks(sorted(set(waiver_ids))):
        previous: dict[int, dict[str, str]] = {}
        for waiver_id, name, status in CheckResult.objects.filter(waiver_id__in=chunk).values_list(
            "waiver_id", "check_name", "status"
        ):
            previous.setdefault(waiver_id, {})[name] = status
        rows = []
        for case in with_check_data(WaiverRequest.objects.filter(pk__in=chunk)):
            outcomes = checks.run_all(case, today, names)
            runs.append(Run(case, outcomes, previous.get(case.pk, {})))
            rows += [
                CheckResult(
                    waiver=case, check_name=o.check, status=o.status, detail=o.detail, ran_at=ran_at
                )
                for o in outcomes
            ]
        with storing(chunk):
            CheckResult.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["waiver", "check_name"],
                update_fields=["status", "detail", "ran_at"],
            )
    return runs


def run_checks(waiver: WaiverRequest, *, today: date | None = None) -> list[CheckResult]:
    """Run every check on one case now and return the stored results."""
    run_for([waiver.pk], today=today)
    return latest_results(waiver)


def latest_results(waiver: WaiverRequest) -> list[CheckResult]:
    """The stored results of a case, in the order the checks are listed (empty if never run)."""
    order = list(checks.CHECKS)
    results = list(CheckResult.objects.filter(waiver=waiver))
    return sorted(
        results, key=lambda r: order.index(r.check_name) if r.check_name in order else len(order)
    )
