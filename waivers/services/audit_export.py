"""The audit trail of one case, exported for inspectors: CSV for analysis, PDF for the file.

Who, what, when (UTC), old → new values and the reason, with each entry's chain hash so a reader
can match the export against the verified trail.
"""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone

from ..audit import entries_for, verify_entries
from ..audit_text import readable, state_label
from ..letters import render_pdf
from ..models import AuditEntry, WaiverRequest
from ..spreadsheet import csv_text

CSV_COLUMNS = (
    "seq",
    "at_utc",
    "actor",
    "event",
    "action",
    "from_state",
    "to_state",
    "changes",
    "reason",
    "hash",
)


def _rows(entries: list[AuditEntry]) -> list[dict[str, str]]:
    return [
        {
            "seq": str(step.entry.seq),
            "at_utc": step.entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "actor": step.entry.actor_name,
            "event": step.label,
            "action": step.entry.action,
            "from_state": state_label(step.entry.from_state) if step.entry.from_state else "",
            "to_state": state_label(step.entry.to_state) if step.entry.to_state else "",
            "changes": "\n".join(step.details),
            "reason": step.entry.reason,
            "hash": step.entry.hash,
        }
        for step in readable(entries)
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
