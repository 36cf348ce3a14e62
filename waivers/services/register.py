"""Changing the authority register and the reliance policies, each change in the audit trail.

Loading from CSV validates every line first, then applies all or nothing. Whatever the entry
point (the admin, the API, ``load_authorities``), a change records who made it, what changed
(old → new) and the reason given, in the register's or the policies' chain.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from .. import audit
from ..models import Authority, Chain, Recognition, ReliancePolicy, Scheme, User

COLUMNS = ["code", "name", "country", "scheme", "scope", "valid_from", "valid_to", "source", "note"]
CSV_SCHEMES = {Scheme.SRA, Scheme.WLA, Scheme.PICS, Scheme.ICH}
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "authorities.csv"


class MalformedRegister(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed_codes(self) -> set[str]:
        return {entry.split(" ")[0] for entry in self.created + self.updated}

    def __str__(self) -> str:
        lines = [f"created: {item}" for item in self.created] + [
            f"updated: {item}" for item in self.updated
        ]
        lines.append(
            f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged."
        )
        return "\n".join(lines)


def _date(value: str, line: int, column: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MalformedRegister(line, f"{column} {value!r} is not a date (YYYY-MM-DD)") from None


def parse(text: str) -> list[dict]:
    """Validate the CSV and return its rows; raise MalformedRegister at the first bad line."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != COLUMNS:
        raise MalformedRegister(1, f"expected the columns {','.join(COLUMNS)}")
    rows: list[dict] = []
    names: dict[str, tuple[str, str]] = {}
    seen: set[tuple[str, str]] = set()
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise MalformedRegister(line, f"expected {len(COLUMNS)} columns")
        row = {k: v.strip() for k, v in row.items()}
        if not row["code"] or not row["name"]:
            raise MalformedRegister(line, "code and name are required")
        if len(row["country"]) != 2 or not row["country"].isalpha() or not row["country"].isupper():
            raise MalformedRegister(line, f"country {row['country']!r} is not a two-letter code")
        if row["scheme"] and row["scheme"] not in CSV_SCHEMES:
            raise MalformedRegister(
                line, f"scheme {row['scheme']!r} is not one of {', '.join(sorted(CSV_SCHEMES))}"
            )
        if not row["scheme"] and (row["valid_from"] or row["valid_to"] or row["scope"]):
            raise MalformedRegister(line, "a row without a scheme cannot have a scope or dates")
        row["valid_from"] = _date(row["valid_from"], line, "valid_from")
        row["valid_to"] = _date(row["valid_to"], line, "valid_to")
        if row["valid_from"] and row["valid_to"] and row["valid_to"] < row["valid_from"]:
            raise MalformedRegister(line, "valid_to is before valid_from")
        if names.setdefault(row["code"], (row["name"], row["country"])) != (
            row["name"],
            row["country"],
        ):
            raise MalformedRegister(
                line, f"{row['code']} has a different name or country on an earlier line"
            )
        if row["scheme"]:
            if (row["code"], row["scheme"]) in seen:
                raise MalformedRegister(line, f"{row['code']} {row['scheme']} appears twice")
            seen.add((row["code"], row["scheme"]))
        rows.append(row)
    if not rows:
        raise MalformedRegister(reader.line_num or 1, "the file has no rows")
    return rows


RECOGNITION_FIELDS = ("scope", "valid_from", "valid_to", "source", "note")


def snapshot(authority: Authority) -> dict[str, Any]:
    """An authority and its recognitions as the trail records them ({} before it exists)."""
    if authority.pk is None:
        return {}
    return {
        "code": authority.code,
        "name": authority.name,
        "country": authority.country,
        "receives_requests": authority.receives_requests,
        "recognitions": sorted(
            (
                {"scheme": r.scheme, **{f: getattr(r, f) for f in RECOGNITION_FIELDS}}
                for r in Recognition.objects.filter(authority_id=authority.pk)
            ),
            key=lambda r: (r["scheme"], str(r["valid_from"])),
        ),
    }


def record_authority_change(
    *, authority: Authority, before: dict[str, Any], actor: User | None, reason: str
) -> None:
    """Record the change of ``authority`` (and its recognitions) since ``before``."""
    audit.record_master_change(
        Chain.REGISTER,
        actor=actor,
        subject=f"authority {authority.code}",
        before=before,
        after=snapshot(authority),
        reason=reason,
    )


def recognition_snapshot(recognition: Recognition) -> dict[str, Any]:
    """A recognition as the trail records it ({} before it exists)."""
    if recognition.pk is None:
        return {}
    return {
        "authority": recognition.authority.code,
        "scheme": recognition.scheme,
        **{f: getattr(recognition, f) for f in RECOGNITION_FIELDS},
    }


def record_recognition_change(
    *, recognition: Recognition, before: dict[str, Any], actor: User | None, reason: str
) -> None:
    """Record the change of ``recognition`` since ``before`` (e.g. the end of a WLA listing)."""
    audit.record_master_change(
        Chain.REGISTER,
        actor=actor,
        subject=f"{recognition.scheme} recognition of {recognition.authority.code}",
        before=before,
        after=recognition_snapshot(recognition),
        reason=reason,
    )


def save_authority(
    *,
    authority: Authority,
    values: dict[str, Any],
    recognitions: list[dict[str, Any]] | None,
    actor: User,
    reason: str,
) -> Authority:
    """Create or change an authority; ``recognitions``, when given, replace its old ones."""
    if not reason.strip():
        raise audit.ReasonRequired()
    with transaction.atomic():
        before = snapshot(authority)
        for name, value in values.items():
            setattr(authority, name, value)
        authority.save()
        if recognitions is not None:
            authority.recognitions.all().delete()
            Recognition.objects.bulk_create(
                Recognition(authority=authority, **item) for item in recognitions
            )
        record_authority_change(authority=authority, before=before, actor=actor, reason=reason)
    return authority


def policy_snapshot(policy: ReliancePolicy) -> dict[str, Any]:
    """A reliance policy as the trail records it ({} before it exists)."""
    if policy.pk is None:
        return {}
    values = {
        f.name: getattr(policy, f.attname)
        for f in ReliancePolicy._meta.concrete_fields
        if not f.primary_key
    }
    values["mra_partners"] = sorted(
        Authority.objects.filter(pk__in=policy.mra_partners.all()).values_list("code", flat=True)
    )
    return values


def record_policy_change(
    *, policy: ReliancePolicy, before: dict[str, Any], actor: User | None, reason: str
) -> None:
    """Record the change of ``policy`` since ``before``."""
    audit.record_master_change(
        Chain.POLICY,
        actor=actor,
        subject=f"reliance policy of {policy.authority.code}",
        before=before,
        after=policy_snapshot(policy),
        reason=reason,
    )


def load(text: str, *, actor: User | None = None, reason: str) -> LoadReport:
    """Create or update authorities and recognitions from validated CSV text, atomically."""
    rows = parse(text)
    report = LoadReport()
    with transaction.atomic():
        authorities = {a.code: a for a in Authority.objects.select_for_update()}
        before = {code: snapshot(a) for code, a in authorities.items()}
        for row in rows:
            authority = authorities.get(row["code"])
            if authority is None:
                authority = Authority.objects.create(
                    code=row["code"], name=row["name"], country=row["country"]
                )
                authorities[authority.code] = authority
                report.created.append(f"{authority.code} ({authority.name})")
            elif (authority.name, authority.country) != (row["name"], row["country"]):
                changes = [
                    f"{f}: {getattr(authority, f)!r} → {row[f]!r}"
                    for f in ("name", "country")
                    if getattr(authority, f) != row[f]
                ]
                authority.name, authority.country = row["name"], row["country"]
                authority.save(update_fields=["name", "country"])
                report.updated.append(f"{authority.code} {'; '.join(changes)}")
            if not row["scheme"]:
                continue
            recognition = (
                authority.recognitions.filter(scheme=row["scheme"]).order_by("-valid_from").first()
            )
            values = {f: row[f] for f in RECOGNITION_FIELDS}
            if recognition is None:
                Recognition.objects.create(authority=authority, scheme=row["scheme"], **values)
                report.created.append(f"{authority.code} {row['scheme']} recognition")
                continue
            changes = [
                f"{f}: {getattr(recognition, f)} → {values[f]}"
                for f in RECOGNITION_FIELDS
                if getattr(recognition, f) != values[f]
            ]
            if changes:
                for f, v in values.items():
                    setattr(recognition, f, v)
                recognition.save()
                report.updated.append(f"{authority.code} {row['scheme']} {'; '.join(changes)}")
            else:
                report.unchanged += 1
        for code in sorted(report.changed_codes):
            record_authority_change(
                authority=authorities[code], before=before.get(code, {}), actor=actor, reason=reason
            )
    return report
