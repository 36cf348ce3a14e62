import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ..factories import (
    ApplicantFactory,
    MatureAuthorityFactory,
    NraFactory,
    ProductFactory,
    SiteFactory,
    WaiverRequestFactory,
    minimal_pdf,
)


@pytest.fixture
def member(db):
    """A signed-in applicant's user object (an organisation admin)."""
    return ApplicantFactory(is_organisation_admin=True)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def nra(db):
    return NraFactory()


@pytest.fixture
def site(member):
    return SiteFactory(organisation=member.organisation)


@pytest.fixture
def product(member):
    return ProductFactory(organisation=member.organisation)


@pytest.fixture
def mature(db):
    return MatureAuthorityFactory()


def pdf_upload(text: str = "evidence", name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


def draft(member, **values):
    """A complete draft of the member's organisation, created by them (as the web form does)."""
    return WaiverRequestFactory(organisation=member.organisation, created_by=member, **values)
