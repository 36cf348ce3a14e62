"""Every main applicant page passes an axe-core scan and is usable from the keyboard."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from waivers.models import State, WaiverRequest
from waivers.workflow import fire

from ..factories import ApplicantFactory, CoaFactory, WaiverRequestFactory
from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_main_applicant_pages_pass_an_accessibility_scan(page):
    script_errors: list = []
    page.on("pageerror", lambda error: script_errors.append(error))
    applicant = ApplicantFactory(is_organisation_admin=True)
    case = WaiverRequestFactory(organisation=applicant.organisation, created_by=applicant)
    fire(case, "submit", actor=applicant)
    CoaFactory(organisation=applicant.organisation)
    sign_in(page, applicant.username)
    for path in [
        "/applicant/",
        "/applicant/?state=submitted&q=WR",
        "/applicant/evidence/",
        "/applicant/evidence/new/cpp/",
        "/applicant/evidence/new/coa/",
        "/applicant/sites/",
        "/applicant/products/",
        "/applicant/products/new/",
        "/applicant/colleagues/",
        f"/applicant/requests/{case.reference}/",
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)
    assert script_errors == []


def test_the_password_reset_page_passes_an_accessibility_scan(page):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert_accessible(page)


def test_the_request_form_is_usable_from_the_keyboard(page):
    applicant = ApplicantFactory()
    case = WaiverRequestFactory(organisation=applicant.organisation, created_by=applicant)
    sign_in(page, applicant.username)
    page.goto(f"/applicant/requests/{case.reference}/edit/justification/")
    page.locator("#id_justification").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Typed from the keyboard.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save and continue")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sampling data")).to_be_visible()
    case.refresh_from_db()
    assert case.justification == "Typed from the keyboard."


def test_an_applicant_applies_for_renewal_of_a_granted_waiver(page):
    applicant = ApplicantFactory()
    case = WaiverRequestFactory(organisation=applicant.organisation, created_by=applicant)
    now = timezone.now()
    WaiverRequest.objects.filter(pk=case.pk).update(
        state=State.APPROVED, submitted_at=now, decided_at=now, valid_until=now.date()
    )
    sign_in(page, applicant.username)
    page.goto(f"/applicant/requests/{case.reference}/")
    page.get_by_role("button", name="Apply for renewal").click()
    renewal = WaiverRequest.objects.get(renewal_of=case)
    expect(page.get_by_role("heading", name=f"Waiver request {renewal.reference}")).to_contain_text(
        f"renewal of {case.reference}"
    )
    expect(page.locator("#id_product")).to_have_value(str(case.product_id))
    assert_accessible(page)
