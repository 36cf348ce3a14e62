"""Signed-in pages and API answers are not cached: Cache-Control carries no-store."""

import pytest
from rest_framework.test import APIClient

from waivers.services.tokens import issue_token

from .factories import ApplicantFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory, page", [(ReviewerFactory, "/nra/queue/"), (ApplicantFactory, "/applicant/")]
)
def test_a_signed_in_page_is_answered_with_no_store(client, factory, page):
    client.force_login(factory())
    response = client.get(page)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_api_answer_to_a_token_is_answered_with_no_store():
    client = APIClient()
    token, _ = issue_token(user=ApplicantFactory())
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/waivers/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
