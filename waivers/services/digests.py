"""The expiry sweep's digest: one notice per person per sweep, listing every new occasion for them.

Someone relying on 500 certificates that expire gets one e-mail that lists them, not 500. The
layout is ``templates/emails/sweep_digest.txt``; each occasion is worded once here, as one line
with its case's reference and link, and that line is shared by everyone it concerns (a template
rendered per line cost 150 µs, ~40 s for the 250,000 lines of a first sweep at national scale).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from django.conf import settings
from django.urls import reverse

from . import notifications

EVENT = "sweep_digest"

#: occasion → (heading in the digest, how the subject counts it), in the order they are listed
SECTIONS: dict[str, tuple[str, str]] = {
    "lapsed": ("Waivers that lapsed: no batch can be released on the CoA under them", "lapsed"),
    "evidence_expired": (
        "Certificates relied on that have expired: provide a renewed certificate",
        "expired",
    ),
    "evidence_expiring": (
        "Certificates relied on that expire within the NRA's warning window: upload a renewal",
        "expiring",
    ),
    "waiver_expiring": (
        "Waivers nearing the end of their validity: apply for a renewal in good time",
        "waivers ending",
    ),
    "evidence_lapsed": (
        "Granted waivers whose evidence no longer holds: revoke or confirm",
        "to revoke or confirm",
    ),
}


@dataclass(frozen=True)
class Case:
    """What a digest line names of a case."""

    reference: str
    product: str

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}{_cases_path()}{self.reference}/"


@cache
def _cases_path() -> str:
    """'/cases/' from the URL of a case: reverse() costs ~20 µs, a sweep names thousands."""
    return reverse("case_detail", args=["-"]).removesuffix("-/")


def certificate_line(case: Case, label: str, issuer: str | None, expires: date, days: int) -> str:
    by = f" issued by {issuer}" if issuer else ""
    when = _when(days, f"expired on {expires:%Y-%m-%d}", f"expires on {expires:%Y-%m-%d}")
    return f"{case.reference} ({case.product}): {label}{by} {when}. {case.url}"


def waiver_line(case: Case, authority: str, valid_until: date, days: int) -> str:
    when = _when(
        days, f"validity ended on {valid_until:%Y-%m-%d}", f"valid until {valid_until:%Y-%m-%d}"
    )
    return f"{case.reference} ({case.product}, {authority}): {when}. {case.url}"


def evidence_line(case: Case, organisation: str, failed: list[str]) -> str:
    # The reasons are on the case's page: an NRA's digest may list thousands of waivers.
    checks = (
        f"the {' and '.join(failed)} checks fail"
        if len(failed) > 1
        else f"the {failed[0]} check fails"
    )
    return f"{case.reference} ({case.product}, {organisation}): {checks}. {case.url}"


def _when(days: int, past: str, ahead: str) -> str:
    """'expired on 2026-11-30' or 'expires on 2026-12-10, in 9 days', from the days left."""
    return past if days < 0 else f"{ahead}, in {days} day{'s' * (days != 1)}"


@dataclass
class Digest:
    """The lines each person is to be told in this sweep, by occasion."""

    today: date
    started: datetime
    lines: defaultdict[int, defaultdict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, occasion: str, users: Iterable[int], line: str) -> None:
        for user_id in users:
            self.lines[user_id][occasion].append(line)

    def notices(self) -> Iterator[notifications.Notice]:
        for user_id, found in sorted(self.lines.items()):
            sections = [
                {"heading": SECTIONS[o][0], "count": len(found[o]), "text": _listed(found[o])}
                for o in SECTIONS
                if found.get(o)
            ]
            summary = ", ".join(
                f"{len(found[o])} {SECTIONS[o][1]}" for o in SECTIONS if found.get(o)
            )
            subject, body = notifications.render(
                EVENT,
                today=self.today,
                summary=summary,
                count=sum(len(lines) for lines in found.values()),
                sections=sections,
            )
            yield notifications.Notice(
                user_id=user_id,
                waiver_id=None,
                event=EVENT,
                subject=subject,
                body=body,
                dedupe_key=f"{EVENT}:{self.started.isoformat()}:u{user_id}",
            )

    def send(self) -> int:
        """Store one notification per person (its e-mail goes through the outbox)."""
        return notifications.notify(self.notices())


def _listed(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)
