"""The applicant's whole journey in a real browser, with an accessibility scan of each main page."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from waivers.models import State, WaiverRequest
from waivers.workflow import fire

from ..factories import (
    TODAY,
    ApplicantFactory,
    MatureAuthorityFactory,
    NraFactory,
    ProductFactory,
    ReviewerFactory,
    SiteFactory,
    WaiverRequestFactory,
    minimal_pdf,
)
from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def attach(page: Page, text: str) -> None:
    page.set_input_files(
        "#id_file",
        {"name": f"{text}.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf(text)},
    )


def upload(page: Page, kind: str, fields: dict[str, str], selects: dict[str, str]) -> None:
    page.goto("/applicant/evidence/")
    page.get_by_role("link", name=re.compile(f"Upload.*{kind}")).click()
    for selector, label in selects.items():
        page.select_option(selector, label=label)
    for selector, value in fields.items():
        page.fill(selector, value)
    attach(page, kind)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("uploaded")


def test_an_applicant_applies_answers_an_information_request_and_withdraws_another(page):
    script_errors: list = []
    page.on("pageerror", lambda error: script_errors.append(error))
    applicant = ApplicantFactory(is_organisation_admin=True)
    nra = NraFactory(code="KZ-NRA", name="National Centre")
    mature = MatureAuthorityFactory(code="CH-SMC", name="Swissmedic")

    sign_in(page, applicant.username)
    expect(page.get_by_role("heading", name=re.compile("Waiver requests of"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Sites").click()
    page.get_by_role("link", name="Add a site").click()
    page.fill("#id_name", "Basel plant")
    page.fill("#id_address", "1 Rhine Street, Basel")
    page.fill("#id_country", "CH")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Basel plant")).to_be_visible()

    page.get_by_role("link", name="Products").click()
    page.get_by_role("link", name="Add a product").click()
    page.fill("#id_name", "Helixcel")
    page.select_option("#id_atmp_class", "CT")
    page.select_option("#id_production_model", "MTS")
    page.fill("#id_storage", "≤ −150 °C")
    page.fill("#id_shelf_life_days", "180")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Helixcel")).to_be_visible()
    assert_accessible(page)

    # GMP: the pre-check warns about a certificate expiring inside the NRA's window, before upload.
    page.goto("/applicant/evidence/new/gmp/")
    page.select_option("#id_nra", label=str(nra))
    page.get_by_label("Type to filter the list").fill("swissmedic")
    page.fill("#id_valid_until", day(30))
    expect(page.locator("#precheck")).to_contain_text("warning window")
    assert_accessible(page)
    page.fill("#id_valid_until", day(700))
    expect(page.locator("#precheck")).to_contain_text("No problems found")
    page.fill("#id_number", "GMP-2026-01")
    page.select_option("#id_site", label="Basel plant (CH)")
    page.fill("#id_inspected_on", day(-60))
    page.fill("#id_issued_on", day(-30))
    attach(page, "gmp")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("uploaded")
    assert_accessible(page)

    upload(
        page,
        "Pharmaceutical Product",
        {
            "#id_number": "CPP-77",
            "#id_exporting_country": "CH",
            "#id_importing_country": "KZ",
            "#id_issued_on": day(-20),
        },
        {"#id_issuing_authority": str(mature), "#id_product": "Helixcel", "#id_licensed": "Yes"},
    )
    upload(
        page,
        "Analysis",
        {
            "#id_batch_number": "B-0001",
            "#id_manufactured_on": day(-5),
            "#id_batch_expires_on": day(170),
            "#id_released_by": "QP J. Meier",
            "#id_issued_on": day(-4),
        },
        {
            "#id_product": "Helixcel",
            "#id_site": "Basel plant (CH)",
            "#id_conforms": "Conforms (pass)",
        },
    )

    page.get_by_role("link", name="New request").click()
    page.select_option("#id_authority", label=str(nra))
    page.select_option("#id_scope", "import_testing")
    page.select_option("#id_product", label="Helixcel")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Basel plant (CH)").check()
    page.get_by_role("button", name="Save and continue").click()
    page.fill("#id_justification", "Each batch treats few patients; testing would consume doses.")
    page.get_by_role("button", name="Save and continue").click()
    for name, value in {
        "batch_size": "100",
        "release_units": "5",
        "retention_units": "2",
        "stability_units": "0",
        "in_country_units": "4",
        "units_per_patient": "10",
    }.items():
        page.fill(f"#id_{name}", value)
    expect(page.locator("#impact")).to_contain_text("Patients lost to in-country testing")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Save and continue").click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Submit to KZ-NRA")).click()

    case = WaiverRequest.objects.get(organisation=applicant.organisation)
    expect(page.get_by_role("alert")).to_contain_text(f"as {case.reference}")
    assert case.state == State.SUBMITTED and case.certificates.count() == 3
    assert_accessible(page)

    page.get_by_role("link", name="Requests").click()
    row = page.get_by_role("row", name=re.compile(case.reference))
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("Helixcel")

    reviewer = ReviewerFactory(nra=nra)
    fire(case, "assign", actor=reviewer)
    fire(case, "request_information", actor=reviewer, message="Please confirm the cold chain.")
    row.get_by_role("link", name=case.reference).click()
    expect(
        page.get_by_role("paragraph").filter(has_text="Please confirm the cold chain.")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="a CoA").click()
    page.select_option("#id_product", label="Helixcel")
    page.select_option("#id_site", label="Basel plant (CH)")
    page.fill("#id_batch_number", "B-0002")
    page.fill("#id_manufactured_on", day(-2))
    page.fill("#id_batch_expires_on", day(170))
    page.fill("#id_issued_on", day(-1))
    attach(page, "second-coa")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Answer the information request")).to_be_visible()
    page.get_by_label("Certificate of Analysis B-0002").check()
    page.fill("#id_message", "Shipped at ≤ −150 °C with data loggers.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("alert")).to_contain_text("sent to the NRA")
    case.refresh_from_db()
    assert case.state == State.UNDER_REVIEW
    assert case.certificates.filter(batch_number="B-0002").exists()

    other = WaiverRequestFactory(
        organisation=applicant.organisation, authority=nra, created_by=applicant
    )
    fire(other, "submit", actor=applicant)
    page.goto(f"/applicant/requests/{other.reference}/")
    page.fill("#id_reason", "Supply moved to another importer.")
    page.get_by_role("button", name=f"Withdraw {other.reference}").click()
    expect(page.get_by_role("alert")).to_contain_text("withdrawn")
    other.refresh_from_db()
    assert other.state == State.WITHDRAWN
    assert script_errors == []


def test_an_upload_refusal_is_shown_next_to_the_file_field(page):
    applicant = ApplicantFactory()
    site = SiteFactory(organisation=applicant.organisation)
    product = ProductFactory(organisation=applicant.organisation)
    sign_in(page, applicant.username)
    page.goto("/applicant/evidence/new/coa/")
    page.select_option("#id_product", label=product.name)
    page.select_option("#id_site", label=str(site))
    page.fill("#id_batch_number", "B-1")
    page.fill("#id_manufactured_on", day(-3))
    page.fill("#id_batch_expires_on", day(90))
    page.fill("#id_issued_on", day(-2))
    page.set_input_files(
        "#id_file", {"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"<html></html>"}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#id_file")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#id_file_error")).to_contain_text("not a PDF")
    assert_accessible(page)
