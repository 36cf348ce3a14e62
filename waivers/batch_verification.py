"""Verifying a notified batch against its waiver: pure rules over the data, each with a reason.

A batch is released on the manufacturer's CoA only when every point passes; otherwise it is
refused, and the failed points say why. Nothing here writes: the service in
``waivers.services.batches`` records the outcome.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from .models import (
    GRANTED_STATES,
    BatchNotification,
    Certificate,
    CertificateKind,
    CheckStatus,
    WaiverRequest,
)

LABELS = {
    "waiver_in_force": "Waiver in force",
    "product": "CoA product is the waiver's product",
    "site": "CoA site is one of the waiver's sites",
    "batch_number": "CoA is for the notified batch",
    "conformity": "Batch conforms to its specification",
    "not_expired": "Batch not expired",
    "usable_on_arrival": "Usable on arrival",
    "gmp_certificate": "GMP certificate relied on still valid and recognised",
    "cpp": "CPP relied on still valid and recognised",
    "not_notified_before": "Batch not released before under this waiver",
}


@dataclass(frozen=True)
class Point:
    check: str
    status: str
    detail: str

    @property
    def label(self) -> str:
        return LABELS[self.check]

    @property
    def passed(self) -> bool:
        return self.status == CheckStatus.PASS

    def as_dict(self) -> dict[str, str]:
        return asdict(self) | {"label": self.label}


def _point(check: str, ok: bool, detail: str) -> Point:
    return Point(check, CheckStatus.PASS if ok else CheckStatus.FAIL, detail)


def normalise_batch_number(value: str) -> str:
    """Batch numbers are compared as printed, without surrounding blanks."""
    return (value or "").strip()


def is_in_force(waiver: WaiverRequest, on: date) -> bool:
    return waiver.state in GRANTED_STATES and (
        waiver.valid_until is None or on <= waiver.valid_until
    )


def waiver_in_force(waiver: WaiverRequest, on: date) -> Point:
    if waiver.state not in GRANTED_STATES:
        return _point(
            "waiver_in_force", False, f"The waiver is {waiver.get_state_display().lower()}."
        )
    if not is_in_force(waiver, on):
        return _point("waiver_in_force", False, f"The waiver lapsed on {waiver.valid_until}.")
    until = f" until {waiver.valid_until}" if waiver.valid_until else ""
    return _point("waiver_in_force", True, f"{waiver.reference} is in force{until}.")


def product(waiver: WaiverRequest, coa: Certificate) -> Point:
    if coa.product_id != waiver.product_id:
        return _point(
            "product", False, f"The CoA is for {coa.product}, the waiver for {waiver.product}."
        )
    return _point("product", True, f"The CoA is for {waiver.product}.")


def site(waiver: WaiverRequest, coa: Certificate) -> Point:
    sites = list(waiver.sites.all())
    if coa.site_id not in {s.pk for s in sites}:
        names = ", ".join(str(s) for s in sites) or "none"
        return _point(
            "site",
            False,
            f"The batch was made at {coa.site}, which the waiver does not cover (it covers: {names}).",
        )
    return _point("site", True, f"Made at {coa.site}, a site the waiver covers.")


def batch_number(batch: str, coa: Certificate) -> Point:
    printed = normalise_batch_number(coa.batch_number)
    if printed != batch:
        return _point(
            "batch_number", False, f"The CoA is for batch {printed}, not for batch {batch}."
        )
    return _point("batch_number", True, f"The CoA is for batch {batch}.")


def conformity(coa: Certificate) -> Point:
    if coa.conforms is True:
        released = f" (released by {coa.released_by})" if coa.released_by else ""
        return _point("conformity", True, f"The CoA states the batch conforms{released}.")
    if coa.conforms is False:
        return _point("conformity", False, "The CoA states the batch does not conform.")
    return _point("conformity", False, "The CoA does not state whether the batch conforms.")


def not_expired(coa: Certificate, on: date) -> Point:
    if coa.batch_expires_on is None:
        return _point("not_expired", False, "The CoA gives no expiry date for the batch.")
    if coa.batch_expires_on < on:
        return _point("not_expired", False, f"The batch expired on {coa.batch_expires_on}.")
    return _point("not_expired", True, f"The batch expires on {coa.batch_expires_on}.")


def usable_on_arrival(waiver: WaiverRequest, coa: Certificate, on: date) -> Point:
    """Shelf-life left after shipping: the earlier of the CoA's expiry and manufacture + shelf-life."""
    if coa.batch_expires_on is None:
        return _point("usable_on_arrival", False, "Without an expiry date it cannot be judged.")
    ends = [Decimal((coa.batch_expires_on - on).days)]
    if coa.manufactured_on is not None:
        ends.append(Decimal((coa.manufactured_on - on).days) + waiver.product.shelf_life_days)
    shipping = waiver.shipping_days or Decimal(0)
    left = min(ends) - shipping
    after = f" after {_days(shipping)} of shipping" if shipping else ""
    if left < 0:
        return _point(
            "usable_on_arrival",
            False,
            f"The batch would arrive {_days(-left)} past its shelf-life{after}.",
        )
    if left == 0:
        return _point(
            "usable_on_arrival", False, f"The batch would arrive with no shelf-life left{after}."
        )
    return _point("usable_on_arrival", True, f"{_days(left)} of shelf-life left on arrival{after}.")


def _days(value: Decimal) -> str:
    return f"{value.normalize():f} day{'' if value == 1 else 's'}"


def _relied_on(waiver: WaiverRequest, kind: str, check: str, on: date) -> Point:
    """Each certificate of ``kind`` the waiver relies on is unexpired and its issuer still relied on."""
    certificates = [c for c in waiver.certificates.all() if c.kind == kind]
    name = CertificateKind(kind).label
    if not certificates:
        if kind == CertificateKind.GMP:
            return _point(check, False, f"The waiver relies on no {name}.")
        return _point(check, True, f"The waiver relies on no {name}.")
    policy = getattr(waiver.authority, "policy", None)
    problems, fine = [], []
    for certificate in certificates:
        label = f"{name} {certificate.number}".strip()
        issuer = certificate.issuing_authority
        if certificate.valid_until is not None and certificate.valid_until < on:
            problems.append(f"{label} expired on {certificate.valid_until}.")
            continue
        schemes = policy.relies_on(issuer, on) if policy and issuer else []
        if issuer is None or not schemes:
            who = issuer.code if issuer else "its issuer"
            problems.append(f"{label}: {who} is no longer recognised under the NRA's policy.")
            continue
        fine.append(f"{label} ({issuer.code}, {'/'.join(schemes)}) is valid.")
    if problems:
        return _point(check, False, " ".join(problems))
    return _point(check, True, " ".join(fine))


def gmp_certificate(waiver: WaiverRequest, on: date) -> Point:
    return _relied_on(waiver, CertificateKind.GMP, "gmp_certificate", on)


def cpp(waiver: WaiverRequest, on: date) -> Point:
    return _relied_on(waiver, CertificateKind.CPP, "cpp", on)


def not_notified_before(batch: str, previous: BatchNotification | None) -> Point:
    if previous is not None:
        return _point(
            "not_notified_before",
            False,
            f"Batch {batch} was already released under this waiver on "
            f"{previous.notified_at:%Y-%m-%d} ({previous.reference}).",
        )
    return _point("not_notified_before", True, f"Batch {batch} has not been released before.")


@dataclass(frozen=True)
class Verification:
    points: list[Point]

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.points)

    @property
    def failed(self) -> list[Point]:
        return [p for p in self.points if not p.passed]

    def as_reasons(self) -> list[dict[str, str]]:
        return [p.as_dict() for p in self.points]


def verify(
    *,
    waiver: WaiverRequest,
    batch: str,
    coa: Certificate,
    on: date,
    previous: BatchNotification | None,
) -> Verification:
    """Every point a batch must pass to be released on its CoA under ``waiver`` on ``on``.

    ``previous`` is the batch already released under this waiver with the same number, if any.
    """
    return Verification(
        [
            waiver_in_force(waiver, on),
            product(waiver, coa),
            site(waiver, coa),
            batch_number(batch, coa),
            conformity(coa),
            not_expired(coa, on),
            usable_on_arrival(waiver, coa, on),
            gmp_certificate(waiver, on),
            cpp(waiver, on),
            not_notified_before(batch, previous),
        ]
    )
