"""`Idempotency-Key`: a retried API POST is answered as the first was, and done once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.client import encode_multipart
from rest_framework.test import APIClient

from tests.factories import minimal_pdf
from waivers.models import Certificate, IdempotentResponse, WaiverRequest

from .test_contract import new_request

pytestmark = pytest.mark.django_db


def test_a_retried_create_with_the_same_key_makes_one_draft(world):
    client = world.client("applicant_a")
    before = WaiverRequest.objects.count()
    first = client.post(
        "/api/v1/waivers/", new_request(world), format="json", HTTP_IDEMPOTENCY_KEY="create-1"
    )
    retry = client.post(
        "/api/v1/waivers/", new_request(world), format="json", HTTP_IDEMPOTENCY_KEY="create-1"
    )
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert WaiverRequest.objects.count() == before + 1


def test_creates_without_a_key_or_with_new_keys_each_make_a_draft(world):
    client = world.client("applicant_a")
    before = WaiverRequest.objects.count()
    client.post("/api/v1/waivers/", new_request(world), format="json")
    client.post("/api/v1/waivers/", new_request(world), format="json", HTTP_IDEMPOTENCY_KEY="a")
    client.post("/api/v1/waivers/", new_request(world), format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert WaiverRequest.objects.count() == before + 3


def test_a_retried_transition_with_the_key_returns_the_first_answer(world):
    client = world.client("applicant_a")
    case = world.draft_a
    first = client.post(f"/api/v1/waivers/{case.pk}/submit/", HTTP_IDEMPOTENCY_KEY="submit-1")
    retry = client.post(f"/api/v1/waivers/{case.pk}/submit/", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry.json()["state"] == "submitted"
    # Without the key, the same retry is what it is: a transition the state no longer allows.
    again = client.post(f"/api/v1/waivers/{case.pk}/submit/")
    assert again.status_code == 409 and again.json()["state"] == "submitted"


def test_the_same_key_with_another_body_is_refused_and_does_nothing(world):
    client = world.client("applicant_a")
    before = WaiverRequest.objects.count()
    client.post(
        "/api/v1/waivers/", new_request(world), format="json", HTTP_IDEMPOTENCY_KEY="reused"
    )
    other = client.post(
        "/api/v1/waivers/",
        new_request(world, justification="Another."),
        format="json",
        HTTP_IDEMPOTENCY_KEY="reused",
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert WaiverRequest.objects.count() == before + 1


def test_keys_are_per_user(world):
    world.client("applicant_a").post(
        f"/api/v1/waivers/{world.draft_a.pk}/submit/", HTTP_IDEMPOTENCY_KEY="shared"
    )
    response = world.client("applicant_b").post(
        f"/api/v1/waivers/{world.draft_b.pk}/submit/", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert response.json()["id"] == world.draft_b.pk


def test_a_refusal_is_not_kept_so_a_corrected_retry_is_tried_afresh(world):
    client = world.client("applicant_a")
    refused = client.post(
        "/api/v1/waivers/", {"scope": "import_testing"}, format="json", HTTP_IDEMPOTENCY_KEY="fix"
    )
    assert refused.status_code == 400
    assert not IdempotentResponse.objects.exists()


def test_an_answer_older_than_the_kept_hours_is_not_replayed(world, settings):
    client = world.client("applicant_a")
    client.post("/api/v1/waivers/", new_request(world), format="json", HTTP_IDEMPOTENCY_KEY="old")
    settings.IDEMPOTENCY_KEY_HOURS = 0
    before = WaiverRequest.objects.count()
    retry = client.post(
        "/api/v1/waivers/", new_request(world), format="json", HTTP_IDEMPOTENCY_KEY="old"
    )
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert WaiverRequest.objects.count() == before + 1


def test_an_overlong_key_is_a_400(world):
    response = world.client("applicant_a").post(
        "/api/v1/waivers/", new_request(world), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]


def test_a_token_request_is_never_kept(world, password):
    body = {"username": world.applicant_a.username, "password": password}
    first = APIClient().post("/api/v1/auth/token/", body, HTTP_IDEMPOTENCY_KEY="t")
    second = APIClient().post("/api/v1/auth/token/", body, HTTP_IDEMPOTENCY_KEY="t")
    assert first.json()["token"] != second.json()["token"]
    assert not IdempotentResponse.objects.exists()


def test_an_upload_retried_with_its_key_is_one_certificate(world):
    """A client's retry sends the same fields and file under a new random multipart boundary."""
    client = world.client("applicant_a")

    def upload(boundary, content=b"coa"):
        fields = {
            "kind": "coa",
            "file": SimpleUploadedFile("coa.pdf", minimal_pdf(content.decode()), "application/pdf"),
            "number": "COA-IDEMP-1",
            "product": world.draft_a.product_id,
            "site": world.draft_a.sites.get().pk,
            "batch_number": "LOT-IDEMP",
            "issued_on": "2026-01-10",
            "manufactured_on": "2026-01-05",
            "batch_expires_on": "2027-01-05",
            "conforms": "true",
        }
        return client.post(
            "/api/v1/certificates/",
            encode_multipart(boundary, fields),
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    before = Certificate.objects.count()
    first, retry = upload("first-boundary"), upload("retry-boundary")
    assert first.status_code == 201, first.json()
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert upload("third-boundary", content=b"another coa").status_code == 422
    assert Certificate.objects.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_two_racing_attempts_with_one_key_make_one_draft_and_one_answer(world):
    """The retry arrives while the first attempt is still running (a client's timeout)."""
    before = WaiverRequest.objects.count()
    body = new_request(world)
    clients = [world.client("applicant_a"), world.client("applicant_a")]
    start = threading.Barrier(2)

    def attempt(client):
        start.wait()
        try:
            return client.post("/api/v1/waivers/", body, format="json", HTTP_IDEMPOTENCY_KEY="race")
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(attempt, clients))
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert WaiverRequest.objects.count() == before + 1
