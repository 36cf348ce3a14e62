"""The sampling-impact figures in the request form update as the numbers are typed."""

import pytest
from playwright.sync_api import expect

from ..factories import ApplicantFactory, ProductFactory, WaiverRequestFactory
from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_impact_redraws_live_without_a_page_reload(page):
    script_errors: list = []
    page.on("pageerror", lambda error: script_errors.append(error))
    applicant = ApplicantFactory()
    product = ProductFactory(organisation=applicant.organisation, production_model="MTS")
    case = WaiverRequestFactory(
        organisation=applicant.organisation,
        product=product,
        created_by=applicant,
        batch_size=None,
        release_units=None,
        retention_units=None,
        in_country_units=None,
        units_per_patient=None,
    )
    sign_in(page, applicant.username)
    page.goto(f"/applicant/requests/{case.reference}/edit/sampling/")
    impact = page.locator("#impact")
    expect(impact).to_contain_text("Enter the sampling data to see the impact.")
    page.evaluate("window.stillTheSamePage = true")

    # A gene-therapy batch of 400 units, 2 per patient: in-country testing in 3 countries.
    for name, value in {
        "batch_size": "400",
        "release_units": "20",
        "retention_units": "10",
        "stability_units": "10",
        "in_country_units": "20",
        "testing_countries": "3",
        "units_per_patient": "2",
        "shelf_life_days": "30",
        "shipping_days": "5",
        "testing_days": "28",
    }.items():
        page.fill(f"#id_{name}", value)

    expect(impact).to_contain_text("Left for patients: 75.0%")
    figures = impact.locator("table.impact-figures")
    expect(figures).to_contain_text("300 (75.0%)")
    expect(figures).to_contain_text("150.0 (150 whole)")
    expect(figures).to_contain_text("180.0 (180 whole)")
    expect(figures.get_by_role("row", name="Patients lost to in-country testing")).to_contain_text(
        "30"
    )
    expect(figures).to_contain_text("in-country testing is not feasible")
    expect(impact.locator(".impact-bar .impact-part-4")).to_have_attribute("style", "width: 15.0%")
    assert_accessible(page)

    page.fill("#id_in_country_units", "200")
    expect(impact).to_contain_text("add up to more than the batch")
    page.fill("#id_in_country_units", "20")
    page.fill("#id_units_per_patient", "0")
    expect(impact).to_contain_text("Units per patient dose")
    assert page.evaluate("window.stillTheSamePage") is True
    assert script_errors == []
