import pytest

from ..factories import ApplicantFactory, ReviewerFactory, bring_to
from .scene import coa_for


@pytest.fixture
def granted(case, applicant, reviewer, approver):
    return bring_to(case, "decided", applicant=applicant, reviewer=reviewer, approver=approver)


@pytest.fixture
def coa(granted):
    return coa_for(granted)


@pytest.fixture
def other_applicant(db):
    return ApplicantFactory()


@pytest.fixture
def other_reviewer(db):
    return ReviewerFactory()
