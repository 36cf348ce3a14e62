"""Signing in and out in a real browser."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..factories import (
    PASSWORD,
    ApplicantFactory,
    ReviewerFactory,
    WaiverRequestFactory,
    authenticator_code,
)
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


def test_a_reviewer_sets_up_two_factor_sign_in_then_signs_in_with_a_code(page):
    reviewer = ReviewerFactory()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(reviewer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("img", name="QR code of the authenticator secret").is_visible()
    assert_accessible(page)
    device = TOTPDevice.objects.get(user=reviewer)
    page.get_by_label("Code").fill(authenticator_code(device))
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("#recovery-codes li").count() == 10
    assert_accessible(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    assert "/nra/queue/" in page.url
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, reviewer.username)
    assert "/nra/queue/" in page.url
