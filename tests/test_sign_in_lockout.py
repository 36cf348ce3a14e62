"""Password guessing on the HTML login and the API token endpoint: locked out after
AXES_FAILURE_LIMIT failures per account or per client address, whatever X-Forwarded-For says."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from .factories import PASSWORD, ApplicantFactory

pytestmark = pytest.mark.django_db

LOGIN, TOKEN = "/accounts/login/", "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _limits(settings):
    """The default limit and the token throttle's counts (cached) from zero."""
    settings.AXES_FAILURE_LIMIT = 5
    cache.clear()
    yield
    cache.clear()


def spoofed(n):
    return {"HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}


def test_html_login_refuses_the_right_password_after_five_wrong_ones_from_rotating_addresses(
    client,
):
    user = ApplicantFactory()
    answers = [
        client.post(LOGIN, {"username": user.username, "password": "guess"}, **spoofed(n))
        for n in range(5)
    ]
    assert [a.status_code for a in answers] == [200] * 4 + [429]
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD}, **spoofed(9))
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/applicant/").status_code == 302


def test_html_login_locks_an_address_guessing_many_accounts_whatever_x_forwarded_for_says(
    client,
):
    for n in range(5):
        client.post(LOGIN, {"username": f"nobody{n}", "password": "guess"}, **spoofed(n))
    user = ApplicantFactory()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD}, **spoofed(7))
    assert response.status_code == 429


def test_token_endpoint_refuses_the_right_password_while_locked_with_a_json_error():
    user, client = ApplicantFactory(), APIClient()
    answers = [
        client.post(
            TOKEN, {"username": user.username, "password": "guess"}, format="json", **spoofed(n)
        ).status_code
        for n in range(5)
    ]
    assert answers == [400] * 4 + [429]
    response = client.post(
        TOKEN, {"username": user.username, "password": PASSWORD}, format="json", **spoofed(9)
    )
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.json()["detail"]
    assert "token" not in response.json()


def test_a_failed_html_login_counts_towards_the_token_endpoints_lockout(client):
    user = ApplicantFactory()
    for n in range(5):
        client.post(LOGIN, {"username": user.username, "password": "guess"}, **spoofed(n))
    response = APIClient().post(
        TOKEN, {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429


def test_behind_one_trusted_proxy_the_client_address_is_the_one_the_proxy_appended(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()
    for n in range(5):
        client.post(
            TOKEN,
            {"username": f"nobody{n}", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9",
        )
    locked, other = ApplicantFactory(), ApplicantFactory()
    answer = client.post(
        TOKEN,
        {"username": locked.username, "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9",
    )
    assert answer.status_code == 429
    answer = client.post(
        TOKEN,
        {"username": other.username, "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )
    assert answer.status_code == 200


def test_the_token_throttle_is_not_bypassed_by_rotating_x_forwarded_for(settings):
    settings.AXES_ENABLED = False  # the throttle alone: 20 a minute per client address
    client = APIClient()
    answers = [
        client.post(
            TOKEN, {"username": f"nobody{n}", "password": "guess"}, format="json", **spoofed(n)
        ).status_code
        for n in range(21)
    ]
    assert answers == [400] * 20 + [429]
