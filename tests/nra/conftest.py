"""Cases in the states the NRA pages work on, and the people who work them."""

from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from waivers.assessment import CRITERIA
from waivers.models import CheckResult, State
from waivers.services.checks import storing
from waivers.workflow import fire

from ..factories import PASSWORD, ReviewerFactory, WaiverRequestFactory, assessment

CHECKLIST_MET = {c.key: "met" for c in CRITERIA}


def checklist_post(answers=None, **extra):
    """The recommend form's POST data: every criterion answered with a note."""
    data = {}
    for key, entry in assessment(answers).items():
        data[f"{key}_answer"] = entry["answer"]
        data[f"{key}_note"] = entry["note"]
    return data | extra


class CheckResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckResult

    waiver = factory.SubFactory(WaiverRequestFactory)
    check_name = factory.Sequence(lambda n: f"check{n}")
    status = "pass"
    detail = "Fine."
    ran_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Stored as the checks store results: the case's check_status follows."""
        with storing([kwargs["waiver"].pk]):
            return super()._create(model_class, *args, **kwargs)


def queued_case(nra, *, state=State.SUBMITTED, days_ago=1, paused_days=0, **kwargs):
    """A case already in the NRA's queue, set up directly (the queue only reads)."""
    now = timezone.now()
    return WaiverRequestFactory(
        authority=nra,
        state=state,
        submitted_at=now - timedelta(days=days_ago),
        clock_paused_seconds=int(paused_days * 86400),
        evidence=False,
        **kwargs,
    )


@pytest.fixture
def submitted(case, applicant):
    return fire(case, "submit", actor=applicant)


@pytest.fixture
def under_review(submitted, reviewer):
    return fire(submitted, "assign", actor=reviewer)


@pytest.fixture
def recommended(under_review, reviewer):
    return fire(
        under_review,
        "recommend",
        actor=reviewer,
        outcome="approve",
        rationale="Mature-authority GMP, CPP consistent.",
        assessment=assessment(),
    )


@pytest.fixture
def approved(recommended, approver):
    return fire(recommended, "sign", actor=approver, password=PASSWORD, meaning="approval")


@pytest.fixture
def other_reviewer(db):
    """A reviewer of another NRA."""
    return ReviewerFactory()
