import pytest

from waivers.models import Role

from .factories import ApplicantFactory, ApproverFactory, ReviewerFactory, WaiverRequestFactory


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(db):
    """A complete draft addressed to an NRA, with its applicant, reviewer and approver."""
    return WaiverRequestFactory()


@pytest.fixture
def applicant(case):
    return ApplicantFactory(organisation=case.organisation)


@pytest.fixture
def reviewer(case):
    return ReviewerFactory(nra=case.authority)


@pytest.fixture
def approver(case):
    return ApproverFactory(nra=case.authority, role=Role.APPROVER)
