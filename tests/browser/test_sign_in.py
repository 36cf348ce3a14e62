"""Signing in and out in a real browser."""

import pytest

from ..factories import ApplicantFactory, WaiverRequestFactory
from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_applicant_signs_in_sees_their_requests_and_signs_out(page):
    applicant = ApplicantFactory()
    case = WaiverRequestFactory(organisation=applicant.organisation)
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert_accessible(page)
    sign_in(page, applicant.username)
    assert page.get_by_role("link", name=case.reference).is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_wrong_password_is_refused_with_a_message(page):
    applicant = ApplicantFactory()
    sign_in(page, applicant.username, "not-the-password")
    assert (
        page.get_by_role("alert").inner_text().startswith("Your username and password didn't match")
    )
