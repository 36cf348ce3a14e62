"""The reviewer's recommendation: the answered reliance checklist and the proposed decision."""

from __future__ import annotations

from typing import Any

from .. import workflow
from ..assessment import checklist
from ..models import User, WaiverRequest


def recommend(
    *,
    waiver: WaiverRequest,
    user: User,
    answers: dict[str, Any],
    outcome: str,
    rationale: str,
    conditions: str = "",
    expected_version: int | None = None,
) -> WaiverRequest:
    """Check the checklist against the outcome, then store both in one ``recommend`` transition.

    ``answers`` holds ``<criterion>_answer`` and ``<criterion>_note`` for every criterion of
    waivers.assessment.CRITERIA. Raises InvalidInput (naming the fields) or the workflow's errors.
    """
    return workflow.fire(
        waiver,
        "recommend",
        actor=user,
        expected_version=expected_version,
        outcome=outcome,
        rationale=rationale,
        conditions=conditions,
        assessment=checklist(answers, outcome=outcome),
    )
