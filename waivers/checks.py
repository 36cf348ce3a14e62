"""Automated reliance checks: pure functions over a case's data, each giving pass, warn or fail.

They read the case, its sites, certificates and the addressed NRA's reliance policy (prefetch them
for many cases, see waivers.services.checks) and never write: storing results, scheduling and
notifying are the services' and tasks' business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.utils import timezone

from . import impact
from .models import Certificate, CertificateKind, CheckStatus, ReliancePolicy, WaiverRequest


@dataclass(frozen=True)
class Outcome:
    check: str
    status: str
    detail: str


SEVERITY = {CheckStatus.PASS: 0, CheckStatus.WARN: 1, CheckStatus.FAIL: 2}
RELIED_ON_KINDS = (CertificateKind.GMP, CertificateKind.CPP)


def _worst(statuses: list[str]) -> str:
    return max(statuses, key=lambda s: SEVERITY[CheckStatus(s)], default=CheckStatus.PASS)


def _policy(case: WaiverRequest) -> ReliancePolicy | None:
    # A missing one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(case.authority, "policy", None)


def _label(certificate: Certificate) -> str:
    return str(certificate)


def sort_key(kind: str, number: str, batch_number: str, pk: int) -> tuple[str, str, str, int]:
    """The order in which the checks list a case's certificates."""
    return (kind, number, batch_number, pk)


def _certificates(case: WaiverRequest) -> list[Certificate]:
    return sorted(
        case.certificates.all(), key=lambda c: sort_key(c.kind, c.number, c.batch_number, c.pk)
    )


def missing_for_submission(case: WaiverRequest) -> list[str]:
    """What stops a draft from being submitted: the basics, a complete and valid set of sampling
    figures, and the evidence the NRA's policy requires."""
    missing = []
    if not case.sites.exists():
        missing.append("Name at least one manufacturing site.")
    if not case.justification.strip():
        missing.append("Give a justification.")
    _, sampling_problem = impact.of_request(case)
    if sampling_problem:
        missing.append(f"Sampling data: {sampling_problem}")
    result = completeness(case)
    if result.status == CheckStatus.FAIL:
        missing.append(result.detail)
    return missing


def completeness(case: WaiverRequest, today: date | None = None) -> Outcome:
    """The evidence kinds the addressed NRA's policy requires for this scope are all linked."""
    policy = _policy(case)
    required = policy.required_kinds(case.scope) if policy else []
    present = {c.kind for c in case.certificates.all()}
    absent = [CertificateKind(k).label for k in required if k not in present]
    if absent:
        return Outcome(
            "completeness",
            CheckStatus.FAIL,
            "Missing evidence required by the NRA: " + ", ".join(absent) + ".",
        )
    return Outcome(
        "completeness", CheckStatus.PASS, "All evidence the NRA requires for this scope is present."
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _validity_findings(
    kind: str | None,
    expires: date | None,
    issued_on: date | None,
    label: str,
    policy: ReliancePolicy | None,
    today: date,
) -> list[tuple[str, str]]:
    """One certificate's validity: expired, inside the NRA's warning window, a CPP too old.

    Each finding names dates, not days left: it reads true on every day its status holds, so a
    stored result need not be rewritten daily (the sweep re-checks a case only when a date
    crosses a boundary or the case changes).

    A CoA's batch expiry only warns: the CoA is evidence of how a batch was released, not a
    licence that lapses.
    """
    rules = policy or ReliancePolicy()
    window, max_cpp_age = rules.expiry_warning_days, rules.max_cpp_age_days
    findings: list[tuple[str, str]] = []
    if expires and expires < today:
        if kind in RELIED_ON_KINDS:
            findings.append(
                (CheckStatus.FAIL, _sentence(f"{label} expired on {expires:%Y-%m-%d}."))
            )
        else:
            findings.append(
                (CheckStatus.WARN, f"The batch of {label} expired on {expires:%Y-%m-%d}.")
            )
    elif expires and (expires - today).days <= window:
        findings.append(
            (
                CheckStatus.WARN,
                _sentence(
                    f"{label} expires on {expires:%Y-%m-%d}, inside the NRA's {window}-day "
                    "warning window."
                ),
            )
        )
    if kind == CertificateKind.CPP and issued_on and (today - issued_on).days > max_cpp_age:
        findings.append(
            (
                CheckStatus.FAIL,
                _sentence(
                    f"{label} was issued on {issued_on:%Y-%m-%d}; the NRA accepts a CPP up to "
                    f"{max_cpp_age} days old."
                ),
            )
        )
    return findings


class Dated(NamedTuple):
    """What the validity rule reads of one certificate (a certificate, or a row of one)."""

    kind: str
    label: str
    expires_on: date | None
    issued_on: date | None


def dated(certificate: Certificate) -> Dated:
    return Dated(
        certificate.kind, _label(certificate), certificate.expires_on, certificate.issued_on
    )


def validity_of(certificates: list[Dated], policy: ReliancePolicy | None, today: date) -> Outcome:
    """The validity outcome of a case's certificates, listed in the order of ``sort_key``."""
    findings = [
        finding
        for c in certificates
        for finding in _validity_findings(c.kind, c.expires_on, c.issued_on, c.label, policy, today)
    ]
    if not certificates:
        return Outcome("validity", CheckStatus.WARN, "No evidence is linked yet.")
    if not findings:
        window = (policy or ReliancePolicy()).expiry_warning_days
        return Outcome(
            "validity",
            CheckStatus.PASS,
            f"All {len(certificates)} certificates are valid beyond the {window}-day warning window.",
        )
    return Outcome("validity", _worst([s for s, _ in findings]), " ".join(d for _, d in findings))


def validity(case: WaiverRequest, today: date | None = None) -> Outcome:
    """No GMP certificate or CPP expired, none inside the warning window, no CPP too old."""
    today = today or timezone.now().date()
    return validity_of([dated(c) for c in _certificates(case)], _policy(case), today)


@dataclass(frozen=True)
class RelianceBasis:
    """Why the NRA may (or may not) rely on one certificate: the schemes on issue and today."""

    certificate: Certificate
    schemes_at_issue: list[str]
    schemes_today: list[str]

    @property
    def mature(self) -> bool:
        return bool(self.schemes_at_issue and self.schemes_today)

    def explain(self, policy: ReliancePolicy) -> str:
        c = self.certificate
        authority = c.issuing_authority.code if c.issuing_authority else "an unknown authority"
        mra = ["MRA partners"] if policy.mra_partners.all() else []
        relied = ", ".join([*policy.schemes, *mra]) or "no scheme"
        if self.mature:
            at_issue, now = ", ".join(self.schemes_at_issue), ", ".join(self.schemes_today)
            if at_issue == now:
                return (
                    f"{_label(c)} by {authority}: mature under {now} on its issue date and today."
                )
            return (
                f"{_label(c)} by {authority}: mature under {at_issue} on its issue date "
                f"({c.issued_on:%Y-%m-%d}) and under {now} today."
            )
        if not self.schemes_at_issue and not self.schemes_today:
            return (
                f"{_label(c)} by {authority}: not recognised under any scheme the NRA relies on "
                f"({relied}), neither on its issue date ({c.issued_on:%Y-%m-%d}) nor today."
            )
        if not self.schemes_at_issue:
            return (
                f"{_label(c)} by {authority}: not recognised under any scheme the NRA relies on "
                f"({relied}) on its issue date ({c.issued_on:%Y-%m-%d}); today under "
                f"{', '.join(self.schemes_today)}."
            )
        return (
            f"{_label(c)} by {authority}: mature under {', '.join(self.schemes_at_issue)} on its "
            f"issue date ({c.issued_on:%Y-%m-%d}) but no longer recognised under any scheme the "
            f"NRA relies on ({relied}) today."
        )


def reliance_basis(case: WaiverRequest, today: date | None = None) -> list[RelianceBasis]:
    """For every GMP certificate and CPP: the schemes under which the NRA relies on its issuer."""
    today = today or timezone.now().date()
    policy = _policy(case)
    basis = []
    for c in _certificates(case):
        if c.kind not in RELIED_ON_KINDS:
            continue
        if policy is None or c.issuing_authority is None:
            basis.append(RelianceBasis(c, [], []))
            continue
        basis.append(
            RelianceBasis(
                c,
                policy.relies_on(c.issuing_authority, c.issued_on),
                policy.relies_on(c.issuing_authority, today),
            )
        )
    return basis


def maturity(case: WaiverRequest, today: date | None = None) -> Outcome:
    """Every GMP certificate and CPP comes from an authority the NRA relies on, then and now."""
    policy = _policy(case)
    if policy is None:
        return Outcome(
            "maturity",
            CheckStatus.FAIL,
            "The NRA has no reliance policy: nothing can be relied on.",
        )
    basis = reliance_basis(case, today)
    if not basis:
        return Outcome("maturity", CheckStatus.WARN, "No GMP certificate or CPP is linked yet.")
    status = CheckStatus.PASS if all(b.mature for b in basis) else CheckStatus.FAIL
    return Outcome("maturity", status, " ".join(b.explain(policy) for b in basis))


def consistency(case: WaiverRequest, today: date | None = None) -> Outcome:
    """The evidence is about this request: its sites and product, with dates in order."""
    today = today or timezone.now().date()
    sites = {s.pk: s for s in case.sites.all()}
    findings: list[tuple[str, str]] = []
    covered: set[int] = set()
    for c in _certificates(case):
        if c.kind == CertificateKind.GMP:
            if c.site_id in sites:
                covered.add(c.site_id)
            else:
                findings.append(
                    (
                        CheckStatus.FAIL,
                        f"{_label(c)} covers a site that is not named in the request.",
                    )
                )
            if c.inspected_on and c.inspected_on > c.issued_on:
                findings.append(
                    (CheckStatus.FAIL, f"{_label(c)} was issued before the inspection it reports.")
                )
        elif c.kind == CertificateKind.CPP and c.product_id != case.product_id:
            findings.append((CheckStatus.FAIL, f"{_label(c)} names another product."))
        elif c.kind == CertificateKind.COA:
            if c.product_id != case.product_id:
                findings.append((CheckStatus.FAIL, f"{_label(c)} is for another product."))
            if c.site_id not in sites:
                findings.append(
                    (CheckStatus.FAIL, f"{_label(c)} comes from a site not named in the request.")
                )
            if c.manufactured_on and c.manufactured_on > c.issued_on:
                findings.append(
                    (CheckStatus.FAIL, f"{_label(c)} is dated before its batch was manufactured.")
                )
        if c.issued_on > today:
            findings.append(
                (CheckStatus.FAIL, f"{_label(c)} is dated in the future ({c.issued_on:%Y-%m-%d}).")
            )
    has_gmp = any(c.kind == CertificateKind.GMP for c in case.certificates.all())
    for pk, site in sites.items():
        if has_gmp and pk not in covered:
            findings.append((CheckStatus.WARN, f"No GMP certificate covers the site {site}."))
    if not findings:
        return Outcome(
            "consistency",
            CheckStatus.PASS,
            "The evidence covers the request's sites and product, with dates in order.",
        )
    return Outcome(
        "consistency", _worst([s for s, _ in findings]), " ".join(d for _, d in findings)
    )


CheckFunction = Callable[[WaiverRequest, date | None], Outcome]

#: Every check, in the order results are shown.
CHECKS: dict[str, CheckFunction] = {
    "completeness": completeness,
    "validity": validity,
    "maturity": maturity,
    "consistency": consistency,
}


def run_all(
    case: WaiverRequest, today: date | None = None, names: list[str] | None = None
) -> list[Outcome]:
    """The outcome of every check (or of ``names``) on ``today``."""
    today = today or timezone.now().date()
    return [CHECKS[name](case, today) for name in names or CHECKS]


def certificate_warnings(
    certificate_values: dict[str, Any], policy: ReliancePolicy | None, today: date
) -> list[Outcome]:
    """What the automated checks will say about one certificate, before it is uploaded.

    ``certificate_values`` holds the form's values: ``kind``, ``issuing_authority`` (an Authority
    or None), ``issued_on``, ``valid_until`` and, for a CoA, ``batch_expires_on``. ``policy`` is the
    reliance policy of the NRA the applicant means to address (None: no NRA chosen yet, so the
    default warning window and any recognition counts).
    """
    kind = certificate_values.get("kind")
    expires = certificate_values.get(
        "batch_expires_on" if kind == CertificateKind.COA else "valid_until"
    )
    issued = certificate_values.get("issued_on")
    results = [
        Outcome("validity", status, detail)
        for status, detail in _validity_findings(
            kind, expires, issued, "this certificate", policy, today
        )
    ]
    authority = certificate_values.get("issuing_authority")
    if authority is not None and issued is not None:
        for label, on in (("on the issue date", issued), ("today", today)):
            schemes = policy.relies_on(authority, on) if policy else authority.recognitions_on(on)
            if not schemes:
                results.append(
                    Outcome(
                        "maturity",
                        CheckStatus.FAIL,
                        f"{authority.code} is not recognised by the NRA {label} ({on:%Y-%m-%d}).",
                    )
                )
    return results
