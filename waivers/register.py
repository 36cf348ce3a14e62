"""Loading the authority register from CSV: validate every line first, then apply all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from .models import Authority, Recognition, Scheme

COLUMNS = ["code", "name", "country", "scheme", "scope", "valid_from", "valid_to", "source", "note"]
CSV_SCHEMES = {Scheme.SRA, Scheme.WLA, Scheme.PICS, Scheme.ICH}
DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "authorities.csv"


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


def load(text: str) -> LoadReport:
    """Create or update authorities and recognitions from validated CSV text, atomically."""
    rows = parse(text)
    report = LoadReport()
    with transaction.atomic():
        authorities = {a.code: a for a in Authority.objects.select_for_update()}
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
    return report
