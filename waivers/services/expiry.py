"""The daily expiry sweep: lapsed waivers, expiring evidence, and the checks that depend on them.

Each completed sweep is recorded (``SweepRun``), and the next one re-checks only what can have
changed since the last one: the live cases relying on a certificate that expired, entered a
warning window, reached the CPP age limit or its issue date since that sweep's day, the granted
waivers whose validity end or warning window was reached, those relying on an authority whose
recognition began or ended, and the cases changed (or given a certificate uploaded) since that
sweep started. With no sweep recorded, or when an NRA's warning window or CPP age limit changed,
it re-checks every live case with expired or expiring evidence and every granted waiver near or
past its end. Set-based throughout: a few indexed queries find the cases; validity is computed
from plain rows in chunks by the validity rule itself; maturity where a recognition began or
ended, and consistency where it failed and a certificate has just reached its issue date (it
fails one dated ahead), with the full checks. A result is written only when it changed (an
unchanged row rewritten costs a new row version and the queue's index-only scans); findings name
dates, not days left, so a stored result stays true until a boundary is crossed.

Each occasion (a certificate relied on expiring or expired, a waiver nearing its end or lapsed, a
granted waiver's evidence failing) is announced once: it is recorded as an ``Announcement``, one
row per occasion, and each person concerned gets one digest per sweep listing the new ones
(``services.digests``). Nothing is done per certificate in the database, so the cost follows the
number of affected cases, not the size of the certificate table. The sweep happens whole or not at
all: occasions are recorded in the transaction that stores their digests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import checks, sql, workflow
from ..models import (
    GRANTED_STATES,
    OPEN_STATES,
    Announcement,
    Authority,
    CertificateKind,
    CheckResult,
    CheckStatus,
    Recognition,
    ReliancePolicy,
    Role,
    SweepRun,
    WaiverRequest,
    certificate_label,
)
from ..selectors import notifications as notification_reads
from . import digests, maturity, notifications
from .checks import LIVE_STATES, run_for, storing
from .events import Audience

#: With no sweep recorded, recognitions that began or ended and certificates issued this recently
#: are re-checked: maturity reads the one, consistency fails a certificate dated ahead.
LOOKBACK = timedelta(days=7)
#: Changes are looked for from this long before the last sweep started: one written by a
#: transaction that had not committed when that sweep read the cases carries an earlier time.
SETTLING = timedelta(hours=1)
#: Affected cases read per round trip.
CHUNK = 2000
#: The checks whose failure on a granted waiver means its evidence no longer holds.
EVIDENCE_CHECKS = ("validity", "maturity")
#: Who is told that a waiver lapsed.
LAPSE_AUDIENCE = Audience(applicants=True, nra_roles=(Role.APPROVER,))


@dataclass
class SweepReport:
    today: date
    #: The day of the sweep this one continued from (None: it re-checked everything).
    since: date | None = None
    cases_checked: int = 0
    expiring: int = 0
    expired: int = 0
    lapsed: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    announced: int = 0
    notifications: int = 0

    def __str__(self) -> str:
        def listed(refs: list[str]) -> str:
            if not refs:
                return ""
            more = f" and {len(refs) - 20} more" if len(refs) > 20 else ""
            return ": " + ", ".join(refs[:20]) + more

        lines = [
            f"Expiry sweep for {self.today:%Y-%m-%d}:",
            f"  {self.cases_checked} open cases and granted waivers re-checked"
            + (
                f" (what changed since the sweep for {self.since:%Y-%m-%d})"
                if self.since
                else " (all with expired or expiring evidence)"
            ),
            f"  {self.expiring} certificates relied on expire within the warning window",
            f"  {self.expired} certificates relied on have expired",
            f"  {len(self.lapsed)} waivers lapsed{listed(self.lapsed)}",
            f"  {len(self.flagged)} waivers flagged for the approver{listed(self.flagged)}",
            f"  {self.announced} new occasions announced in {self.notifications} digests",
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Bounds:
    """The narrowest and widest warning windows and the lowest and highest CPP age limits of all
    NRAs: the dates they put a boundary on, taken over all of them, hold every case's own."""

    narrowest: int
    widest: int
    youngest: int
    oldest: int

    @classmethod
    def of(cls, policies: list[ReliancePolicy]) -> _Bounds:
        rules = policies or [ReliancePolicy()]
        windows = [p.expiry_warning_days for p in rules]
        ages = [p.max_cpp_age_days for p in rules]
        return cls(min(windows), max(windows), min(ages), max(ages))


def _swept_with(policies: list[ReliancePolicy]) -> list[list[int]]:
    """What the sweep reads of each policy, as recorded: a change calls for a full re-check."""
    return sorted([p.authority_id, p.expiry_warning_days, p.max_cpp_age_days] for p in policies)


def _lapse(today: date, report: SweepReport, digest: digests.Digest) -> None:
    """Granted waivers whose validity ended move to expired, audited, together; the firing is
    once-only (the rows are locked and the transition applies to granted waivers only)."""
    lapsed = WaiverRequest.objects.filter(state__in=GRANTED_STATES, valid_until__lt=today)
    ended = {pk: on for pk, on in lapsed.values_list("pk", "valid_until") if on}
    fired = workflow.fire_many(
        {pk: f"The waiver's validity ended on {on:%Y-%m-%d}." for pk, on in ended.items()}, "lapse"
    )
    people = LAPSE_AUDIENCE.of(fired)
    for case in fired:
        report.lapsed.append(case.reference)
        digest.add(
            "lapsed",
            notifications.recipient_ids(people[case.pk]),
            digests.waiver_line(
                digests.Case(case.reference, case.product.name),
                case.authority.code,
                ended[case.pk],
                (ended[case.pk] - today).days,
            ),
        )
    report.announced += len(fired)


@dataclass(frozen=True)
class _Affected:
    """The cases a sweep re-checks, and among them those that need more than validity."""

    #: Every case whose validity is re-checked.
    cases: set[int]
    #: Relying on an authority whose recognition began or ended: maturity may have changed.
    recognised: list[int]
    #: Failing consistency and holding a certificate that reached its issue date: it may pass now.
    dated_ahead: list[int]


def _affected(
    today: date, since: date, bounds: _Bounds, changed_since: datetime | None
) -> _Affected:
    """The cases a boundary crossed in (since, today] may have changed, those changed since
    ``changed_since`` (None: every case with expired or expiring evidence instead), those failing
    consistency with a certificate that reached its issue date, and those relying on an
    authority whose recognition began or ended (their maturity may change).

    A date crossed a boundary in (since, today] if it lies within the days that boundary's
    distance, for any NRA, puts it at: e.g. a certificate entered a warning window of w days if it
    expires in (since + w, today + w].
    """
    horizon = today + timedelta(days=bounds.widest)
    certificates = Q(pk__in=[])
    ending = Q(pk__in=[])
    if since < today:
        certificates = (
            Q(certificates__valid_until__gte=since, certificates__valid_until__lt=today)
            | Q(
                certificates__valid_until__gt=since + timedelta(days=bounds.narrowest),
                certificates__valid_until__lte=horizon,
            )
            | Q(
                certificates__kind=CertificateKind.CPP,
                certificates__issued_on__gte=since - timedelta(days=bounds.oldest),
                certificates__issued_on__lt=today - timedelta(days=bounds.youngest),
            )
        )
        ending = Q(
            valid_until__gt=since + timedelta(days=bounds.narrowest), valid_until__lte=horizon
        )
    if changed_since is None:
        certificates |= Q(certificates__valid_until__lte=horizon) | Q(
            certificates__kind=CertificateKind.CPP,
            certificates__issued_on__lt=today - timedelta(days=bounds.youngest),
        )
        ending = Q(valid_until__lte=horizon)
        changed = Q(pk__in=[])
    else:
        certificates |= Q(certificates__uploaded_at__gte=changed_since)
        changed = Q(updated_at__gte=changed_since)
    live = WaiverRequest.objects.filter(state__in=LIVE_STATES).order_by()
    evidence = live.filter(certificates).values_list("pk", flat=True).distinct()
    validity = WaiverRequest.objects.filter(ending, state__in=GRANTED_STATES).values_list(
        "pk", flat=True
    )
    touched = live.filter(changed).values_list("pk", flat=True)
    dated_ahead = list(
        live.filter(
            certificates__issued_on__gt=since,
            certificates__issued_on__lte=today,
            check_results__check_name="consistency",
            check_results__status=CheckStatus.FAIL,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    began_or_ended = Q(valid_from__gt=since, valid_from__lte=today) | Q(
        valid_to__gte=since, valid_to__lt=today
    )
    authorities = Recognition.objects.filter(began_or_ended).values_list("authority_id", flat=True)
    recognised = maturity.affected_cases(authority_ids=set(authorities))
    return _Affected(
        {*evidence, *validity, *touched, *dated_ahead, *recognised}, recognised, dated_ahead
    )


@dataclass(frozen=True)
class _Occasion:
    """Something to announce once: what it is (a section of the digest), of which case, about
    what within the case (``key``), to whom, and its line in the digest (worded when it is new)."""

    occasion: str
    waiver_id: int
    key: str
    users: list[int]
    line: Callable[[], str]


@dataclass
class _Chunk:
    """What one chunk of affected cases stores and announces."""

    #: Cases whose validity result changed, with the new outcome.
    changed: list[tuple[int, checks.Outcome]] = field(default_factory=list)
    #: Occasions not announced before.
    occasions: list[_Occasion] = field(default_factory=list)
    #: Granted waivers whose evidence holds again: a later failure is a new occasion.
    recovered: list[int] = field(default_factory=list)


def _people(organisations: set[int], nras: set[int]) -> tuple[dict[int, list[int]], ...]:
    """Active applicants per organisation and active approvers per NRA."""
    applicants: dict[int, list[int]] = defaultdict(list)
    for pk, org in notification_reads.applicants_of(organisations).values_list(
        "pk", "organisation_id"
    ):
        applicants[org].append(pk)
    approvers: dict[int, list[int]] = defaultdict(list)
    for pk, nra in notification_reads.nra_staff_of(nras, Role.APPROVER).values_list("pk", "nra_id"):
        approvers[nra].append(pk)
    return applicants, approvers


def _check_chunk(
    ids: list[int],
    *,
    today: date,
    policies: dict[int, ReliancePolicy],
    authorities: dict[int, str],
    rerun: dict[int, dict[str, checks.Outcome]],
    report: SweepReport,
) -> _Chunk:
    """Re-run validity on these cases from plain rows; collect changed results and new occasions."""
    cases = list(
        WaiverRequest.objects.filter(sql.among("pk", ids), state__in=LIVE_STATES).values_list(
            "pk",
            "reference",
            "state",
            "organisation_id",
            "authority_id",
            "reviewer_id",
            "valid_until",
            "product__name",
            "organisation__name",
        )
    )
    evidence: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in WaiverRequest.certificates.through.objects.filter(
        sql.among("waiverrequest_id", ids)
    ).values_list(
        "waiverrequest_id",
        "certificate_id",
        "certificate__kind",
        "certificate__number",
        "certificate__batch_number",
        "certificate__valid_until",
        "certificate__batch_expires_on",
        "certificate__issued_on",
        "certificate__issuing_authority_id",
    ):
        evidence[row[0]].append(row[1:])
    stored = {
        (waiver_id, name): checks.Outcome(name, status, detail)
        for waiver_id, name, status, detail in CheckResult.objects.filter(
            sql.among("waiver_id", ids), check_name__in=EVIDENCE_CHECKS
        ).values_list("waiver_id", "check_name", "status", "detail")
    }
    announced = set(
        Announcement.objects.filter(sql.among("waiver_id", ids)).values_list(
            "waiver_id", "occasion", "key"
        )
    )
    flagged_before = {pk for pk, name, _ in announced if name == "evidence_lapsed"}
    applicants, approvers = _people(
        {c[3] for c in cases}, {c[4] for c in cases if c[2] in GRANTED_STATES}
    )
    chunk = _Chunk()

    # ``users`` hold no one twice: each person is one row, of one organisation or one NRA.
    def occasion(name: str, pk: int, key: str, users: list[int], line: Callable[[], str]) -> None:
        if (pk, name, key) not in announced:
            chunk.occasions.append(_Occasion(name, pk, key, users, line))

    for (
        pk,
        reference,
        state,
        organisation_id,
        authority_id,
        reviewer_id,
        valid_until,
        product,
        organisation,
    ) in cases:
        report.cases_checked += 1
        case = digests.Case(reference, product)
        policy = policies.get(authority_id)
        window = (policy or ReliancePolicy()).expiry_warning_days
        certificates = sorted(evidence[pk], key=lambda c: checks.sort_key(c[1], c[2], c[3], c[0]))
        validity = checks.validity_of(
            [
                checks.Dated(
                    kind,
                    certificate_label(kind, number, batch),
                    batch_expires if kind == CertificateKind.COA else expires,
                    issued_on,
                )
                for _, kind, number, batch, expires, batch_expires, issued_on, _ in certificates
            ],
            policy,
            today,
        )
        if stored.get((pk, "validity")) != validity:
            chunk.changed.append((pk, validity))
        told = applicants[organisation_id] + (
            [reviewer_id] if state in OPEN_STATES and reviewer_id else []
        )
        for certificate_id, kind, number, batch, expires, _, _, issuer in certificates:
            if kind == CertificateKind.COA or expires is None:
                continue
            days = (expires - today).days
            if days > window:
                continue
            if days < 0:
                report.expired += 1
            else:
                report.expiring += 1
            occasion(
                "evidence_expired" if days < 0 else "evidence_expiring",
                pk,
                f"{certificate_id}:{expires}",
                told,
                partial(
                    digests.certificate_line,
                    case,
                    certificate_label(kind, number, batch),
                    authorities.get(issuer),
                    expires,
                    days,
                ),
            )
        if state not in GRANTED_STATES:
            continue
        if valid_until and 0 <= (valid_until - today).days <= window:
            occasion(
                "waiver_expiring",
                pk,
                f"{valid_until}",
                applicants[organisation_id],
                partial(
                    digests.waiver_line,
                    case,
                    authorities[authority_id],
                    valid_until,
                    (valid_until - today).days,
                ),
            )
        outcomes = {
            **{name: stored[pk, name] for name in EVIDENCE_CHECKS if (pk, name) in stored},
            **rerun.get(pk, {}),
            "validity": validity,
        }
        failed = [
            outcomes[name]
            for name in EVIDENCE_CHECKS
            if name in outcomes and outcomes[name].status == CheckStatus.FAIL
        ]
        if failed:
            report.flagged.append(reference)
            occasion(
                "evidence_lapsed",
                pk,
                ",".join(o.check for o in failed),
                approvers[authority_id],
                partial(digests.evidence_line, case, organisation, [o.check for o in failed]),
            )
        elif pk in flagged_before:
            chunk.recovered.append(pk)
    return chunk


def _record(occasions: list[_Occasion], at: datetime) -> None:
    """Record these occasions as announced. No conflict is ignored: a sweep running at the same
    time that announced one of them first makes this one fail whole, rather than both announce."""
    sql.insert_columns(
        sql.RECORD_ANNOUNCEMENTS,
        at,
        [(o.waiver_id, o.occasion, o.key) for o in occasions],
        lambda: Announcement.objects.bulk_create(
            Announcement(waiver_id=o.waiver_id, occasion=o.occasion, key=o.key, announced_at=at)
            for o in occasions
        ),
    )


def _store_validity(changed: list[tuple[int, checks.Outcome]], at: datetime) -> None:
    """Write these cases' new validity results, replacing the ones they had."""
    with storing([pk for pk, _ in changed]):
        sql.insert_columns(
            sql.STORE_VALIDITY,
            at,
            [(pk, outcome.status, outcome.detail) for pk, outcome in changed],
            lambda: CheckResult.objects.bulk_create(
                (
                    CheckResult(
                        waiver_id=pk,
                        check_name="validity",
                        status=outcome.status,
                        detail=outcome.detail,
                        ran_at=at,
                    )
                    for pk, outcome in changed
                ),
                update_conflicts=True,
                unique_fields=["waiver", "check_name"],
                update_fields=["status", "detail", "ran_at"],
            ),
        )


def sweep(*, today: date | None = None) -> SweepReport:
    """Lapse ended waivers, re-check what the date or a change since the last sweep touches, and
    tell who must act, once; record the sweep."""
    today = today or timezone.now().date()
    ran_at = timezone.now()
    digest = digests.Digest(today=today, started=ran_at)
    with transaction.atomic():
        policies = {p.authority_id: p for p in ReliancePolicy.objects.all()}
        swept_with = _swept_with(list(policies.values()))
        last = SweepRun.objects.filter(day__lte=today).first()
        since = last.day if last else today - LOOKBACK
        resumed = last if last and last.policies == swept_with else None
        report = SweepReport(today=today, since=resumed.day if resumed else None)
        _lapse(today, report, digest)
        affected = _affected(
            today,
            since,
            _Bounds.of(list(policies.values())),
            resumed.started_at - SETTLING if resumed else None,
        )
        rerun = {
            run.waiver.pk: {o.check: o for o in run.outcomes}
            for run in run_for(affected.recognised, today=today, names=["maturity"])
        }
        run_for(affected.dated_ahead, today=today, names=["consistency"])
        authorities = dict(Authority.objects.values_list("pk", "code"))
        ids = sorted(affected.cases)
        for start in range(0, len(ids), CHUNK):
            chunk = _check_chunk(
                ids[start : start + CHUNK],
                today=today,
                policies=policies,
                authorities=authorities,
                rerun=rerun,
                report=report,
            )
            _store_validity(chunk.changed, ran_at)
            _record(chunk.occasions, ran_at)
            Announcement.objects.filter(
                waiver_id__in=chunk.recovered, occasion="evidence_lapsed"
            ).delete()
            for o in chunk.occasions:
                digest.add(o.occasion, o.users, o.line())
            report.announced += len(chunk.occasions)
        report.notifications = digest.send()
        SweepRun.objects.create(
            day=today,
            started_at=ran_at,
            finished_at=timezone.now(),
            full=report.since is None,
            policies=swept_with,
            cases_checked=report.cases_checked,
            expiring=report.expiring,
            expired=report.expired,
            lapsed=len(report.lapsed),
            flagged=len(report.flagged),
            announced=report.announced,
            notifications=report.notifications,
        )
    return report
