"""Bad input is a 4xx naming the field at fault: never a 500, never a half-saved record."""

from __future__ import annotations

import pytest

from waivers.models import Site, WaiverRequest


def test_malformed_json_is_a_400_that_says_so(world):
    response = world.client("applicant_a").post(
        "/api/v1/waivers/", '{"scope": "import_testing",', content_type="application/json"
    )
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


def test_a_json_body_that_is_not_an_object_is_refused(world):
    response = world.client("applicant_a").post(
        "/api/v1/sites/", "[1, 2, 3]", content_type="application/json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_missing_fields_are_each_named(world):
    response = world.client("applicant_a").post("/api/v1/waivers/", {}, format="json")
    assert response.status_code == 400
    assert {"authority", "scope", "product"} <= set(response.json())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("product", "helixcel"),
        ("product", True),
        ("authority", {"id": 1}),
        ("sites", "1,2"),
        ("scope", 42),
        ("justification", ["a", "b"]),
    ],
)
def test_values_of_the_wrong_type_are_refused_naming_the_field(world, field, value):
    body = {
        "authority": world.nra_x.pk,
        "scope": "import_testing",
        "product": world.draft_a.product_id,
        field: value,
    }
    response = world.client("applicant_a").post("/api/v1/waivers/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert WaiverRequest.objects.count() == 2  # the two drafts of the cast


@pytest.mark.parametrize(
    ("sampling", "field"),
    [
        ({"batch_size": -1}, "batch_size"),
        ({"testing_countries": 0}, "testing_countries"),
        ({"units_per_patient": "lots"}, "units_per_patient"),
        ({"batch_size": "1" * 40}, "batch_size"),
    ],
)
def test_invalid_sampling_figures_are_refused_naming_the_figure(world, sampling, field):
    response = world.client("applicant_a").patch(
        f"/api/v1/waivers/{world.draft_a.pk}/", {"sampling": sampling}, format="json"
    )
    assert response.status_code == 400 and field in response.json()["sampling"]


def test_unknown_ids_are_refused_naming_the_field(world):
    response = world.client("applicant_a").post(
        "/api/v1/waivers/",
        {
            "authority": 99999,
            "scope": "import_testing",
            "product": 99999,
            "sites": [2**40],
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"authority", "product", "sites"} <= set(response.json())


def test_another_tenants_ids_are_as_unknown_as_ids_that_do_not_exist(world):
    foreign = world.draft_b
    response = world.client("applicant_a").patch(
        f"/api/v1/waivers/{world.draft_a.pk}/",
        {
            "product": foreign.product_id,
            "sites": [s.pk for s in foreign.sites.all()],
            "certificates": [c.pk for c in foreign.certificates.all()],
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert {"product", "sites", "certificates"} <= set(errors)
    assert "does not exist" in errors["product"][0]
    world.draft_a.refresh_from_db()
    assert world.draft_a.product_id != foreign.product_id


def test_certificate_dates_in_the_wrong_order_are_refused(world):
    from .test_contract import gmp_upload

    response = world.client("applicant_a").post(
        "/api/v1/certificates/",
        gmp_upload(
            world,
            kind="coa",
            issuing_authority=None,
            product=world.draft_a.product_id,
            batch_number="B1",
            valid_until=None,
            inspected_on=None,
            scope=None,
            manufactured_on="2026-03-01",
            batch_expires_on="2026-01-01",
        ),
        format="multipart",
    )
    assert response.status_code == 400
    assert "cannot expire before it is manufactured" in str(response.json())


def test_malformed_dates_are_refused_naming_the_field(world):
    from .test_contract import gmp_upload

    response = world.client("applicant_a").post(
        "/api/v1/certificates/", gmp_upload(world, issued_on="31/12/2025"), format="multipart"
    )
    assert response.status_code == 400 and "issued_on" in response.json()


def test_huge_strings_are_refused_naming_the_field(world):
    client = world.client("applicant_a")
    response = client.patch(
        f"/api/v1/waivers/{world.draft_a.pk}/", {"justification": "x" * 100_000}, format="json"
    )
    assert response.status_code == 400 and "justification" in response.json()
    response = client.post(
        "/api/v1/sites/", {"name": "n" * 5000, "address": "a", "country": "CH"}, format="json"
    )
    assert response.status_code == 400 and "name" in response.json()
    assert not Site.objects.filter(name__startswith="nnnn").exists()


def test_a_huge_message_on_an_action_is_refused_naming_it(world):
    response = world.client("reviewer_x").post(
        f"/api/v1/waivers/{world.reviewing_a.pk}/request-information/",
        {"message": "?" * 100_000},
        format="json",
    )
    assert response.status_code == 400 and "message" in response.json()


@pytest.mark.parametrize("pk", ["0.5", "abc", str(2**70), "-1", "%00"])
def test_malformed_or_huge_ids_in_the_path_are_a_json_404(world, pk):
    response = world.client("applicant_a").get(f"/api/v1/waivers/{pk}/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_an_upload_without_a_file_or_kind_names_both(world):
    response = world.client("applicant_a").post(
        "/api/v1/certificates/", {"number": "X"}, format="multipart"
    )
    assert response.status_code == 400 and {"file", "kind", "issued_on"} <= set(response.json())


def test_a_json_upload_is_415(world):
    response = world.client("applicant_a").post(
        "/api/v1/certificates/", {"kind": "gmp"}, format="json"
    )
    assert response.status_code == 415


def test_an_empty_recommendation_names_outcome_and_rationale(world):
    response = world.client("reviewer_x").post(
        f"/api/v1/waivers/{world.reviewing_a.pk}/recommend/", {}, format="json"
    )
    assert response.status_code == 400 and {"outcome", "rationale"} <= set(response.json())
