"""Sampling figures meet the calculator's rules when saved and submitted, on the web and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from waivers.models import SAMPLING_FIELDS, State

from .conftest import draft

IMPOSSIBLE = [
    ({"in_country_units": "95"}, "in_country_units", "(102) add up to more than the batch (100)"),
    ({"units_per_patient": "0"}, "units_per_patient", "A patient dose is more than zero units."),
    ({"batch_size": "0"}, "batch_size", "A batch has at least one unit."),
]


@pytest.fixture
def api(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member)
    return client


def sampling_form(case, **changes) -> dict[str, str]:
    values = {name: getattr(case, name) for name in SAMPLING_FIELDS}
    values.update(changes)
    return {
        **{k: "" if v is None else str(v) for k, v in values.items()},
        "version": str(case.version),
    }


@pytest.mark.parametrize(("change", "field", "message"), IMPOSSIBLE)
def test_the_web_form_will_not_save_figures_the_calculator_refuses(
    signed_in, member, change, field, message
):
    case = draft(member)
    url = reverse("applicant:step", args=[case.reference, "sampling"])
    response = signed_in.post(url, sampling_form(case, **change))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    case.refresh_from_db()
    assert case.batch_size == Decimal("100") and case.in_country_units == Decimal("4")
    assert case.units_per_patient == Decimal("10")


@pytest.mark.parametrize(("change", "field", "message"), IMPOSSIBLE)
def test_the_api_will_not_save_figures_the_calculator_refuses(api, member, change, field, message):
    case = draft(member)
    response = api.patch(
        f"/api/v1/waivers/{case.pk}/",
        {"sampling": {k: Decimal(v) for k, v in change.items()}},
        format="json",
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["sampling"][field])
    case.refresh_from_db()
    assert case.batch_size == Decimal("100") and case.units_per_patient == Decimal("10")


def test_an_incomplete_draft_is_saved_on_both_paths(signed_in, api, member):
    case = draft(member, units_per_patient=None, in_country_units=None)
    url = reverse("applicant:step", args=[case.reference, "sampling"])
    assert signed_in.post(url, sampling_form(case, batch_size="50")).status_code == 302
    case.refresh_from_db()
    assert case.batch_size == 50
    response = api.patch(
        f"/api/v1/waivers/{case.pk}/", {"sampling": {"release_units": 3}}, format="json"
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.release_units == 3


def test_submission_needs_a_complete_set_and_says_so_in_words(signed_in, api, member):
    web_case = draft(member, units_per_patient=None)
    review = signed_in.get(reverse("applicant:step", args=[web_case.reference, "review"]))
    page = review.content.decode()
    assert "Enter the units per patient dose." in page
    assert "units_per_patient" not in page
    response = signed_in.post(
        reverse("applicant:submit", args=[web_case.reference]), {"version": web_case.version}
    )
    assert "Sampling data: Enter the units per patient dose." in response.content.decode()
    web_case.refresh_from_db()
    assert web_case.state == State.DRAFT

    api_case = draft(member, units_per_patient=None)
    answer = api.post(f"/api/v1/waivers/{api_case.pk}/submit/", {}, format="json")
    assert answer.status_code == 400
    assert "Sampling data: Enter the units per patient dose." in answer.json()["reasons"]
    api_case.refresh_from_db()
    assert api_case.state == State.DRAFT
