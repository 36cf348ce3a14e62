"""The notification list and the public verification page in a real browser."""

import pytest

from waivers.services import notifications

from ..factories import ApplicantFactory, WaiverRequestFactory
from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_applicant_reads_a_notification_and_the_unread_badge_drops(page):
    applicant = ApplicantFactory()
    case = WaiverRequestFactory(organisation=applicant.organisation)
    for occasion in ("a", "b"):
        notifications.notify(
            notifications.notices(
                [applicant], event="information_requested", waiver=case, occasion=occasion
            )
        )
    sign_in(page, applicant.username)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Notifications").click()
    assert page.get_by_text("2 unread", exact=True).is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark “").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("1 unread", exact=True).is_visible()
    assert nav.get_by_label("1 unread").is_visible()


def test_anyone_can_check_a_code_on_the_verification_page(page):
    page.goto("/verify/")
    assert_accessible(page)
    page.get_by_label("Verification code").fill("abcd-efgh-jkmn-pqrs")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    assert "/verify/ABCD-EFGH-JKMN-PQRS/" in page.url
    assert page.get_by_role("alert").inner_text().startswith("Not found.")
    assert_accessible(page)
