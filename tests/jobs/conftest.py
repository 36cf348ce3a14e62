"""Helpers for the background-job tests: a case taken through review to a signed decision."""

import pytest

from waivers.workflow import fire

from ..factories import PASSWORD


def recommend(case, applicant, reviewer, outcome="approve", **extra):
    fire(case, "submit", actor=applicant)
    fire(case, "assign", actor=reviewer)
    if outcome == "partial":
        extra.setdefault("conditions", "Identity test on the first imported batch.")
    return fire(
        case,
        "recommend",
        actor=reviewer,
        outcome=outcome,
        rationale=extra.pop("rationale", "The site is inspected by a mature authority."),
        **extra,
    )


def sign(case, approver):
    return fire(case, "sign", actor=approver, password=PASSWORD, meaning="approval")


@pytest.fixture
def decide(applicant, reviewer, approver, django_capture_on_commit_callbacks):
    """Take a case to a signed decision, running what is queued after each commit."""

    def _decide(case, outcome="approve", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            recommend(case, applicant, reviewer, outcome, **extra)
        with django_capture_on_commit_callbacks(execute=True):
            return sign(case, approver)

    return _decide
