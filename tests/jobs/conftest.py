"""Helpers for the background-job tests: a case taken through review to a signed decision."""

import pytest

from ..factories import bring_to


@pytest.fixture
def decide(applicant, reviewer, approver, django_capture_on_commit_callbacks):
    """Take a case to a signed decision, running what is queued after each commit."""

    def _decide(case, outcome="approve", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            case = bring_to(
                case,
                "recommended",
                applicant=applicant,
                reviewer=reviewer,
                outcome=outcome,
                **extra,
            )
        with django_capture_on_commit_callbacks(execute=True):
            return bring_to(case, "decided", approver=approver)

    return _decide
