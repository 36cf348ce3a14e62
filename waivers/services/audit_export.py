"""The audit trail of one case, exported for inspectors: CSV for analysis, PDF for the file.

Who, what, when (UTC), old → new values and the reason, with each entry's chain hash so a reader
can match the export against the verified trail.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.utils import timezone

from ..audit import entries_for, verify_entries
from ..letters import render_pdf
from ..models import AuditEntry, WaiverRequest
from ..spreadsheet import csv_text

CSV_COLUMNS = (
    "seq",
    "at_utc",
    "actor",
    "action",
    "from_state",
    "to_state",
    "changes",
    "reason",
    "hash",
)


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "—"
    return str(value)


def describe_changes(changes: dict[str, Any]) -> list[str]:
    """Each change as "field: old → new" (or "field: value" for what has no before/after)."""
    lines = []
    for name, change in changes.items():
        if isinstance(change, dict) and set(change) == {"old", "new"}:
            lines.append(f"{name}: {_value(change['old'])} → {_value(change['new'])}")
        else:
            lines.append(f"{name}: {_value(change)}")
    return lines


def _rows(entries: list[AuditEntry]) -> list[dict[str, str]]:
    return [
        {
            "seq": str(e.seq),
            "at_utc": e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "actor": e.actor_name,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "changes": "\n".join(describe_changes(e.changes)),
            "reason": e.reason,
            "hash": e.hash,
        }
        for e in entries
    ]


def audit_trail_csv(waiver: WaiverRequest) -> str:
    """The case's trail as CSV, one row per entry, oldest first, safe to open in a spreadsheet."""
    return csv_text(CSV_COLUMNS, _rows(list(entries_for(waiver))))


def audit_trail_pdf(waiver: WaiverRequest) -> bytes:
    """The case's trail as a PDF, stating whether the hash chain verified when it was printed."""
    entries = list(entries_for(waiver))
    breaks = [str(b) for b in verify_entries(waiver.reference, entries)]
    return render_pdf(
        "nra/audit_trail_pdf.html",
        {
            "case": waiver,
            "rows": _rows(entries),
            "breaks": breaks,
            "printed_at": timezone.now(),
        },
    )
