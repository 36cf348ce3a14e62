"""A granted waiver (fired through the workflow up to the signature) and CoAs to notify under it."""

import pytest

from waivers.workflow import fire

from ..factories import PASSWORD, ApplicantFactory, CoaFactory, ReviewerFactory


def grant(case, applicant, reviewer, approver, outcome="approve"):
    """Take a complete draft through submission, review, recommendation and signature."""
    fire(case, "submit", actor=applicant)
    fire(case, "assign", actor=reviewer)
    extra = {"conditions": "Identity test on the first batch."} if outcome == "partial" else {}
    fire(case, "recommend", actor=reviewer, outcome=outcome, rationale="Criteria met.", **extra)
    return fire(case, "sign", actor=approver, password=PASSWORD, meaning="approval")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every test here creates and signs as several users; the slow default hasher adds nothing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def granted(case, applicant, reviewer, approver):
    return grant(case, applicant, reviewer, approver)


def coa_for(waiver, **overrides):
    """A conforming, unexpired CoA of the waiver's product made at one of its sites."""
    values = {
        "organisation": waiver.organisation,
        "product": waiver.product,
        "site": waiver.sites.first(),
        "batch_number": "LOT-001",
    }
    return CoaFactory(**(values | overrides))


@pytest.fixture
def coa(granted):
    return coa_for(granted)


@pytest.fixture
def other_applicant(db):
    return ApplicantFactory()


@pytest.fixture
def other_reviewer(db):
    return ReviewerFactory()
