"""Each kind of evidence states the same fields, and meets the same rules, on the web and the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from waivers.models import KIND_FIELDS, Certificate, CertificateKind

from ..factories import TODAY, minimal_pdf
from .conftest import complete, pdf_upload

API_URL = "/api/v1/certificates/"


@pytest.fixture
def api(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member)
    return client


def both_paths(signed_in, api, kind: str, data: dict[str, Any], text: str = "evidence"):
    """The web form's errors and the API's answer to the same upload."""
    web = signed_in.post(
        reverse("applicant:evidence_upload", args=[kind]), {**data, "file": pdf_upload(text)}
    )
    sent = {k: v for k, v in data.items() if v != ""}
    answer = api.post(
        API_URL,
        {**sent, "kind": kind, "file": pdf_upload(text + " by api")},
        format="multipart",
    )
    errors = web.context["form"].errors if web.status_code == 400 else {}
    return web, errors, answer


CASES = [(kind, name) for kind, spec in KIND_FIELDS.items() for name in sorted(spec.required)]


@pytest.mark.parametrize(("kind", "missing"), CASES)
def test_each_kind_requires_the_same_fields_on_the_web_and_the_api(
    signed_in, api, site, product, mature, kind, missing
):
    data = complete(kind, site, product, mature)
    data[missing] = ""
    web, errors, answer = both_paths(signed_in, api, kind, data)
    assert web.status_code == 400 and missing in errors
    assert answer.status_code == 400 and missing in answer.json()
    assert Certificate.objects.count() == 0


@pytest.mark.parametrize("kind", KIND_FIELDS)
def test_a_complete_certificate_of_each_kind_is_accepted_on_both_paths(
    signed_in, api, site, product, mature, kind
):
    web, errors, answer = both_paths(signed_in, api, kind, complete(kind, site, product, mature))
    assert web.status_code == 302, errors
    assert answer.status_code == 201, answer.json()
    assert Certificate.objects.filter(kind=kind).count() == 2


def test_the_api_refuses_a_gmp_certificate_without_number_or_expiry_as_the_form_does(
    signed_in, api, site, product, mature
):
    data = complete(CertificateKind.GMP, site, product, mature)
    data.update(number="", valid_until="")
    web, errors, answer = both_paths(signed_in, api, CertificateKind.GMP, data)
    assert answer.status_code == 400
    assert answer.json()["number"] == ["A GMP certificate states its certificate number."]
    assert answer.json()["valid_until"] == ["A GMP certificate states its expiry date."]
    assert web.status_code == 400 and {"number", "valid_until"} <= set(errors)


@pytest.mark.parametrize(
    ("kind", "change", "field", "message"),
    [
        (
            CertificateKind.GMP,
            {"inspected_on": (TODAY - timedelta(days=5)).isoformat()},
            "inspected_on",
            "The inspection date cannot be after the certificate was issued",
        ),
        (
            CertificateKind.GMP,
            {"issued_on": (TODAY + timedelta(days=1)).isoformat()},
            "issued_on",
            "The issue date cannot be in the future.",
        ),
        (
            CertificateKind.COA,
            {"batch_expires_on": (TODAY - timedelta(days=4)).isoformat()},
            "batch_expires_on",
            "A batch cannot expire before it is manufactured.",
        ),
    ],
)
def test_impossible_dates_are_refused_with_the_same_message_on_both_paths(
    signed_in, api, site, product, mature, kind, change, field, message
):
    data = {**complete(kind, site, product, mature), **change}
    web, errors, answer = both_paths(signed_in, api, kind, data)
    assert web.status_code == 400 and message in " ".join(errors[field])
    assert answer.status_code == 400 and message in " ".join(answer.json()[field])
    assert Certificate.objects.count() == 0


def test_a_coa_carries_no_expiry_of_its_own_on_the_api(api, site, product, mature):
    data = complete(CertificateKind.COA, site, product, mature)
    sent = {k: v for k, v in data.items() if v != ""}
    answer = api.post(
        API_URL,
        {**sent, "kind": "coa", "valid_until": TODAY.isoformat(), "file": pdf_upload("coa")},
        format="multipart",
    )
    assert answer.status_code == 400
    assert "valid_until" in answer.json()


def test_the_form_marks_required_exactly_what_the_model_requires(signed_in):
    for kind, spec in KIND_FIELDS.items():
        form = signed_in.get(reverse("applicant:evidence_upload", args=[kind])).context["form"]
        required = {name for name in spec.fields if form.fields[name].required}
        assert required == spec.required, kind


# --- the same file again --------------------------------------------------------------------


def _same_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("again.pdf", minimal_pdf(text), content_type="application/pdf")


def test_the_same_file_with_other_details_is_refused_on_the_web_naming_the_holder(
    signed_in, site, product, mature
):
    url = reverse("applicant:evidence_upload", args=["gmp"])
    data = complete(CertificateKind.GMP, site, product, mature)
    assert signed_in.post(url, {**data, "file": _same_file("one")}).status_code == 302
    response = signed_in.post(url, {**data, "number": "GMP-2", "file": _same_file("one")})
    assert response.status_code == 400
    message = " ".join(response.context["form"].non_field_errors())
    assert "already on file as GMP certificate GMP-1" in message
    assert "certificate number" in message
    assert list(Certificate.objects.values_list("number", flat=True)) == ["GMP-1"]


def test_the_same_file_with_other_details_is_a_409_on_the_api(api, site, product, mature):
    data = complete(CertificateKind.GMP, site, product, mature)
    data.pop("restrictions")
    first = api.post(
        API_URL, {**data, "kind": "gmp", "file": _same_file("two")}, format="multipart"
    )
    assert first.status_code == 201
    again = api.post(
        API_URL,
        {
            **data,
            "kind": "gmp",
            "valid_until": (TODAY + timedelta(days=10)).isoformat(),
            "file": _same_file("two"),
        },
        format="multipart",
    )
    assert again.status_code == 409
    assert "already on file as GMP certificate GMP-1" in again.json()["detail"]
    assert Certificate.objects.get().valid_until == TODAY + timedelta(days=700)


def test_the_same_file_with_the_same_details_returns_the_certificate_on_file(
    signed_in, api, site, product, mature
):
    data = complete(CertificateKind.GMP, site, product, mature)
    url = reverse("applicant:evidence_upload", args=["gmp"])
    assert signed_in.post(url, {**data, "file": _same_file("three")}).status_code == 302
    data.pop("restrictions")
    again = api.post(
        API_URL, {**data, "kind": "gmp", "file": _same_file("three")}, format="multipart"
    )
    assert again.status_code == 200
    assert again.json()["id"] == Certificate.objects.get().pk
