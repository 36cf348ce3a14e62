"""The audit trail read as sentences: names and labels, never database ids or field names.

The trail stores what happened as data (ids, field names, state values) so its hashes stay
stable; this is how people read it, on the case pages and in the inspector's export.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist

from .models import (
    AuditEntry,
    Certificate,
    Outcome,
    Site,
    State,
    User,
    WaiverRequest,
    certificate_label,
)

#: How each audited step reads.
ACTION_LABELS = {
    "create": "Draft created",
    "edit": "Draft edited",
    "renew": "Renewal started",
    "submit": "Submitted",
    "withdraw": "Withdrawn",
    "assign": "Assigned to a reviewer",
    "request_information": "Information requested",
    "respond": "Information provided",
    "recommend": "Recommended",
    "return": "Returned to the reviewer",
    "signature_refused": "Signature refused",
    "check_overridden": "Decided against an automated check",
    "sign": "Decision signed",
    "revoke": "Waiver revoked",
    "lapse": "Waiver expired",
    "notify_batch": "Batch notified",
    "flag_batch": "Batch flagged for sampling",
    "export_archive": "Archive exported",
    "legal_hold": "Put on legal hold",
    "release_legal_hold": "Legal hold released",
}

#: Names stored in the trail that are not the verbose name of a case field.
FIELD_LABELS = {
    "reviewer_id": "reviewer",
    "recommended_by_id": "recommended by",
    "recommended_outcome": "recommended outcome",
    "assessment": "checklist",
    "check_overrides": "decisions against automated checks",
    "renewal_of": "renewal of",
    "batch": "batch notification",
    "batch_number": "batch number",
    "certificate": "certificate",
    "flagged_for_sampling": "flagged for sampling",
    "check": "automated check",
    "detail": "justification",
}
PEOPLE = ("reviewer_id", "recommended_by_id")
LINKED = {"sites": "sites", "certificates": "certificates"}
CHOICES: dict[str, dict[Any, str]] = {
    "state": dict(State.choices),
    "outcome": dict(Outcome.choices),
    "recommended_outcome": dict(Outcome.choices),
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


def state_label(state: str) -> str:
    return dict(State.choices).get(state, state.replace("_", " "))


def _field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    try:
        field = WaiverRequest._meta.get_field(name)
    except FieldDoesNotExist:  # a name of the trail's own (e.g. a site's field), read as words
        return name.replace("_", " ")
    return str(getattr(field, "verbose_name", name))


@dataclass(frozen=True)
class Names:
    """The names of the people, sites and certificates a set of entries mentions by id."""

    people: dict[int, str]
    sites: dict[int, str]
    certificates: dict[int, str]

    @classmethod
    def of(cls, entries: Iterable[AuditEntry]) -> Names:
        people: set[int] = set()
        sites: set[int] = set()
        certificates: set[int] = set()
        for entry in entries:
            for name, change in entry.changes.items():
                values = _values(change)
                ids = {v for v in values if isinstance(v, int)}
                if name in PEOPLE:
                    people |= ids
                elif name == "sites":
                    sites |= ids
                elif name in ("certificates", "certificate"):
                    certificates |= ids
        return cls(
            people={u.pk: u.printed_name for u in User.objects.filter(pk__in=people)},
            sites={s.pk: str(s) for s in Site.objects.filter(pk__in=sites)},
            certificates={
                pk: certificate_label(kind, number, batch)
                for pk, kind, number, batch in Certificate.objects.filter(
                    pk__in=certificates
                ).values_list("pk", "kind", "number", "batch_number")
            },
        )

    def of_value(self, name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if name in PEOPLE:
            return self.people.get(value, "a former user")
        if name == "sites":
            return ", ".join(self.sites.get(v, "a removed site") for v in value)
        if name in ("certificates", "certificate"):
            values = value if isinstance(value, list) else [value]
            return ", ".join(self.certificates.get(v, "a removed certificate") for v in values)
        if name in CHOICES:
            return CHOICES[name].get(value, str(value))
        if name == "assessment" and isinstance(value, dict):
            answers = [str(a.get("answer", "")) for a in value.values() if isinstance(a, dict)]
            counts = {a: answers.count(a) for a in ("met", "not_met", "na") if a in answers}
            words = {"met": "met", "not_met": "not met", "na": "not applicable"}
            return ", ".join(f"{n} {words[a]}" for a, n in counts.items()) or "—"
        if name == "check_overrides" and isinstance(value, dict):
            return "; ".join(f"{check}: {detail}" for check, detail in value.items()) or "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)


def _values(change: Any) -> list[Any]:
    if isinstance(change, dict) and set(change) == {"old", "new"}:
        parts = [change["old"], change["new"]]
    else:
        parts = [change]
    flat: list[Any] = []
    for part in parts:
        flat += part if isinstance(part, list) else [part]
    return flat


def _linked_change(name: str, old: list[int], new: list[int], names: Names) -> list[str]:
    added = [v for v in new if v not in old]
    removed = [v for v in old if v not in new]
    lines = []
    if added:
        lines.append(f"added {LINKED[name]} {names.of_value(name, added)}")
    if removed:
        lines.append(f"removed {LINKED[name]} {names.of_value(name, removed)}")
    return lines


def change_lines(changes: dict[str, Any], names: Names) -> list[str]:
    """Each change as a phrase: "rationale: — → Fine", "added certificates GMP-1, CPP-1"."""
    lines = []
    for name, change in changes.items():
        old_new = isinstance(change, dict) and set(change) == {"old", "new"}
        if old_new and name in LINKED:
            lines += _linked_change(name, change["old"] or [], change["new"] or [], names)
        elif old_new:
            lines.append(
                f"{_field_label(name)}: {names.of_value(name, change['old'])} → "
                f"{names.of_value(name, change['new'])}"
            )
        else:
            lines.append(f"{_field_label(name)}: {names.of_value(name, change)}")
    return lines


@dataclass(frozen=True)
class Step:
    """One entry as people read it."""

    entry: AuditEntry
    label: str
    states: str
    details: list[str]


def readable(entries: Iterable[AuditEntry]) -> list[Step]:
    """The entries as steps of a timeline, with every id they mention named (three queries)."""
    entries = list(entries)
    names = Names.of(entries)
    return [
        Step(
            entry=e,
            label=action_label(e.action),
            states=(
                f"{state_label(e.from_state) if e.from_state else '—'} → {state_label(e.to_state)}"
                if e.to_state and e.to_state != e.from_state
                else ""
            ),
            details=change_lines(e.changes, names),
        )
        for e in entries
    ]
