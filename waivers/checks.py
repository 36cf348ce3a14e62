"""Automated reliance checks: pure functions over a case's data, each giving pass, warn or fail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .models import CertificateKind, CheckStatus, ReliancePolicy, WaiverRequest


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


def certificate_warnings(
    certificate_values: dict[str, Any], policy: ReliancePolicy | None, today: date
) -> list[Outcome]:
    """What the automated checks will say about one certificate, before it is uploaded.

    ``certificate_values`` holds the form's values: ``kind``, ``issuing_authority`` (an Authority
    or None), ``issued_on``, ``valid_until`` and, for a CoA, ``batch_expires_on``. ``policy`` is the
    reliance policy of the NRA the applicant means to address (None: no NRA chosen yet, so no
    warning window and any recognition counts).
    """
    results: list[Outcome] = []
    kind = certificate_values.get("kind")
    expires = certificate_values.get(
        "batch_expires_on" if kind == CertificateKind.COA else "valid_until"
    )
    window = policy.expiry_warning_days if policy else 0
    if expires is not None:
        if expires < today:
            results.append(Outcome("validity", CheckStatus.FAIL, f"Expired on {expires:%Y-%m-%d}."))
        elif (expires - today).days <= window:
            results.append(
                Outcome(
                    "validity",
                    CheckStatus.WARN,
                    f"Expires on {expires:%Y-%m-%d}, within the NRA's {window}-day warning window.",
                )
            )
    issued = certificate_values.get("issued_on")
    if kind == CertificateKind.CPP and policy and issued is not None:
        age = (today - issued).days
        if age > policy.max_cpp_age_days:
            results.append(
                Outcome(
                    "validity",
                    CheckStatus.FAIL,
                    f"The CPP is {age} days old; the NRA accepts at most {policy.max_cpp_age_days}.",
                )
            )
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
