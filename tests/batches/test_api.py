"""GET/POST /api/v1/waivers/{id}/batches/: the contract and its errors."""

import pytest
from rest_framework.test import APIClient

from waivers.models import BatchNotification
from waivers.services.tokens import issue_token

from ..factories import CertificateFactory, CoaFactory
from .scene import coa_for

pytestmark = pytest.mark.django_db


def url(waiver):
    return f"/api/v1/waivers/{waiver.pk}/batches/"


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_a_verified_batch_is_created_released_with_every_reason(api, granted, coa, applicant):
    response = as_user(api, applicant).post(
        url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {
        "id",
        "reference",
        "waiver",
        "batch_number",
        "certificate",
        "status",
        "reasons",
        "notified_by",
        "notified_at",
        "acknowledgement",
        "verification_code",
        "flagged_for_sampling",
    }
    assert (body["status"], body["batch_number"], body["certificate"], body["waiver"]) == (
        "released",
        "LOT-001",
        coa.pk,
        granted.reference,
    )
    assert len(body["reasons"]) == 10
    assert set(body["reasons"][0]) == {"check", "label", "status", "detail"}
    assert body["acknowledgement"].endswith(f"{url(granted)}{body['id']}/acknowledgement/")
    pdf = api.get(body["acknowledgement"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]


def test_a_refused_batch_is_created_as_a_refused_record_with_its_reasons(api, granted, applicant):
    coa = coa_for(granted, conforms=False)
    response = as_user(api, applicant).post(
        url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "refused"
    assert body["acknowledgement"] is None and body["verification_code"] is None
    assert [r["check"] for r in body["reasons"] if r["status"] == "fail"] == ["conformity"]


def test_both_sides_list_the_waivers_batches_paginated(api, granted, coa, applicant, reviewer):
    as_user(api, applicant).post(
        url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, format="json"
    )
    for user in (applicant, reviewer):
        body = as_user(api, user).get(url(granted)).json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 1
        assert body["results"][0]["batch_number"] == "LOT-001"


def test_token_authentication_works_as_for_the_rest_of_the_api(api, granted, coa, applicant):
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=applicant)[0]}")
    response = api.post(url(granted), {"batch_number": "LOT-001", "certificate": coa.pk})
    assert response.status_code == 201


def test_anonymous_callers_are_401(api, granted):
    assert api.get(url(granted)).status_code == 401


def test_another_tenants_waiver_is_404(api, granted, coa, other_applicant, other_reviewer):
    for user in (other_applicant, other_reviewer):
        as_user(api, user)
        assert api.get(url(granted)).status_code == 404
        response = api.post(
            url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, format="json"
        )
        assert response.status_code == 404
    assert not BatchNotification.objects.exists()


def test_a_waiver_not_in_force_is_409_with_its_state(api, case, applicant):
    coa = coa_for(case)
    response = as_user(api, applicant).post(
        url(case), {"batch_number": "LOT-001", "certificate": coa.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["state"] == "draft"
    assert "approved waiver" in response.json()["detail"]


def test_nra_staff_may_read_but_not_notify(api, granted, coa, reviewer):
    response = as_user(api, reviewer).post(
        url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, format="json"
    )
    assert response.status_code == 403
    assert not BatchNotification.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"certificate": "COA"}, "batch_number"),
        ({"batch_number": "   ", "certificate": "COA"}, "batch_number"),
        ({"batch_number": "LOT-001"}, "certificate"),
        ({"batch_number": "LOT-001", "certificate": 999999}, "certificate"),
        ({"batch_number": "LOT-001", "certificate": "FOREIGN"}, "certificate"),
        ({"batch_number": "LOT-001", "certificate": "GMP"}, "certificate"),
        ({"batch_number": "L" * 101, "certificate": "COA"}, "batch_number"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(
    api, granted, coa, applicant, body, field
):
    ids = {
        "COA": coa.pk,
        "FOREIGN": CoaFactory().pk,
        "GMP": CertificateFactory(organisation=granted.organisation).pk,
    }
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = as_user(api, applicant).post(url(granted), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not BatchNotification.objects.exists()


def test_acknowledgement_of_a_batch_under_another_waiver_path_is_404(api, granted, coa, applicant):
    created = as_user(api, applicant).post(
        url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, format="json"
    )
    wrong = f"/api/v1/waivers/{granted.pk + 1000}/batches/{created.json()['id']}/acknowledgement/"
    assert api.get(wrong).status_code == 404


def test_the_endpoint_is_in_the_openapi_schema(api, applicant):
    schema = as_user(api, applicant).get("/api/v1/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/waivers/{id}/batches/"]
    assert {"get", "post"} <= set(operations)


def test_a_refused_batch_has_no_acknowledgement_404(api, granted, applicant):
    coa = coa_for(granted, conforms=False)
    created = as_user(api, applicant).post(
        url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, format="json"
    )
    response = api.get(f"{url(granted)}{created.json()['id']}/acknowledgement/")
    assert response.status_code == 404
    assert "Only a batch released on its CoA" in response.json()["detail"]
