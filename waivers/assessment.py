"""The reviewer's assessment: a structured checklist drawn from the reliance criteria.

Each criterion is answered (met, not met, not applicable), with a note that is required where a
criterion is not met. The workflow's ``recommend`` checks the answers against the outcome with
:func:`checklist` and stores the result in ``WaiverRequest.assessment``, so the approver signs what
the reviewer actually assessed, whichever path (web page, API, command) the recommendation took.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput
from .models import Outcome


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    guidance: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "gmp_inspection",
        "Site inspected for GMP by a mature authority",
        "A WHO Listed Authority or Stringent Regulatory Authority inspected the site.",
    ),
    Criterion(
        "regular_supervision",
        "Site under regular supervision",
        "The inspecting authority keeps the site under regular GMP supervision.",
    ),
    Criterion(
        "cpp_consistent",
        "CPP consistent with the product",
        "The Certificate of a Pharmaceutical Product names this product as licensed.",
    ),
    Criterion(
        "no_quality_concerns",
        "No quality complaint or suspicion of deterioration",
        "No complaint, and no suspicion of deterioration in distribution or storage.",
    ),
    Criterion(
        "qms_evidence",
        "Quality management system evidence",
        "The manufacturer's QMS and batch release (CoA) are evidenced.",
    ),
    Criterion(
        "atmp_specifics",
        "ATMP specifics",
        "Batch scarcity, shelf-life and make-to-order production weigh against re-testing.",
    ),
)

MET, NOT_MET, NOT_APPLICABLE = "met", "not_met", "na"
ANSWERS = {MET: "Met", NOT_MET: "Not met", NOT_APPLICABLE: "Not applicable"}


def answer_field(criterion: Criterion) -> str:
    return f"{criterion.key}_answer"


def note_field(criterion: Criterion) -> str:
    return f"{criterion.key}_note"


def checklist(assessment: Mapping[str, Any] | None, *, outcome: str) -> dict[str, dict[str, str]]:
    """The completed checklist (criterion key → label, answer, note), ready to store.

    ``assessment`` maps a criterion's key to ``{"answer": "met" | "not_met" | "na", "note": …}``.
    A waiver (full or partial) needs every criterion answered, and a note where one is not met; a
    full waiver cannot rest on a criterion that is not met (that is a partial waiver with
    conditions, or a rejection). A rejection needs no checklist: what is answered is kept. Errors
    name the web form's fields (``<key>_answer``, ``<key>_note``), on every path.
    """
    given = dict(assessment or {})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(given) - {c.key for c in CRITERIA})
    if unknown:
        errors["assessment"] = [
            "Unknown criteria: "
            + ", ".join(unknown)
            + ". Answer these: "
            + ", ".join(c.key for c in CRITERIA)
            + "."
        ]
    completed: dict[str, dict[str, str]] = {}
    for criterion in CRITERIA:
        entry = given.get(criterion.key) or {}
        if not isinstance(entry, Mapping):
            entry = {}
        answer = str(entry.get("answer") or "")
        note = str(entry.get("note") or "").strip()
        if answer and answer not in ANSWERS:
            errors[answer_field(criterion)] = [
                f"{criterion.label}: answer one of {', '.join(ANSWERS)}."
            ]
        elif not answer and outcome != Outcome.REJECT:
            errors[answer_field(criterion)] = [f"Answer: {criterion.label}."]
        elif answer == NOT_MET and not note:
            errors[note_field(criterion)] = ["Say why this criterion is not met."]
        if answer:
            completed[criterion.key] = {"label": criterion.label, "answer": answer, "note": note}
    if not errors and outcome == Outcome.APPROVE:
        unmet = [c.label for c in CRITERIA if completed[c.key]["answer"] == NOT_MET]
        if unmet:
            errors["outcome"] = [
                "A full waiver needs every criterion met; not met: "
                + "; ".join(unmet)
                + ". Recommend a partial waiver with conditions, or a rejection."
            ]
    if errors:
        raise InvalidInput(errors)
    return completed


def as_rows(assessment: dict[str, Any]) -> list[dict[str, str]]:
    """A stored checklist in criteria order, with readable answers, for pages and exports."""
    rows = []
    for criterion in CRITERIA:
        entry = assessment.get(criterion.key)
        if entry:
            rows.append(
                {
                    "label": entry.get("label", criterion.label),
                    "answer": ANSWERS.get(entry.get("answer", ""), entry.get("answer", "")),
                    "note": entry.get("note", ""),
                }
            )
    return rows
