"""Automated reliance checks: pure functions over a case's data, each giving pass, warn or fail."""

from __future__ import annotations

from dataclasses import dataclass

from .models import CertificateKind, CheckStatus, WaiverRequest


@dataclass(frozen=True)
class Outcome:
    check: str
    status: str
    detail: str


def missing_for_submission(case: WaiverRequest) -> list[str]:
    """What stops a draft from being submitted: the basics and the evidence the NRA's policy requires."""
    missing = []
    if not case.sites.exists():
        missing.append("Name at least one manufacturing site.")
    if not case.justification.strip():
        missing.append("Give a justification.")
    result = completeness(case)
    if result.status == CheckStatus.FAIL:
        missing.append(result.detail)
    return missing


def completeness(case: WaiverRequest) -> Outcome:
    """The evidence kinds the addressed NRA's policy requires for this scope are all linked."""
    policy = getattr(case.authority, "policy", None)
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
