"""Scoping: nobody sees another organisation's or another NRA's cases, on any page."""

import pytest

from waivers.access import certificates_for, waivers_for
from waivers.workflow import fire

from .factories import ApplicantFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


def test_applicant_sees_own_organisation_only(case, applicant):
    assert list(waivers_for(applicant)) == [case]
    assert list(waivers_for(ApplicantFactory())) == []
    assert certificates_for(applicant).count() == 3
    assert certificates_for(ApplicantFactory()).count() == 0


def test_nra_staff_never_see_drafts_and_only_their_nra(case, applicant, reviewer):
    assert list(waivers_for(reviewer)) == []
    fire(case, "submit", actor=applicant)
    assert list(waivers_for(reviewer)) == [case]
    assert certificates_for(reviewer).count() == 3
    assert list(waivers_for(ReviewerFactory())) == []


def test_case_page_of_another_tenant_is_404(client, case, applicant):
    client.force_login(applicant)
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    client.force_login(ApplicantFactory())
    assert client.get(f"/cases/{case.reference}/").status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, case):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
