"""API tokens: hashed at rest, expiring, revocable by their holder, and ended by a new password
or a deactivation."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from waivers.models import ApiToken

from .factories import PASSWORD, ApplicantFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in_through_the_api(user, password: str = PASSWORD) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def answer_to(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/waivers/").status_code


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The token endpoint's throttle counts in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def applicant():
    return ApplicantFactory()


def test_each_sign_in_issues_a_new_token_with_its_expiry(applicant, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": applicant.username, "password": PASSWORD},
        format="json",
    )
    expires_at = response.json()["expires_at"]
    assert timezone.now() + timedelta(minutes=119) < timezone.datetime.fromisoformat(expires_at)
    assert sign_in_through_the_api(applicant) != response.json()["token"]


def test_the_database_holds_no_usable_token(applicant):
    token = sign_in_through_the_api(applicant)
    stored = ApiToken.objects.get(user=applicant)
    secret = token.split(".", 1)[1]
    assert all(secret not in str(value) for value in vars(stored).values())
    assert answer_to(stored.digest) == 401
    assert answer_to(f"{stored.prefix}.{stored.digest}") == 401


def test_the_old_token_is_401_after_a_password_change(applicant):
    token = sign_in_through_the_api(applicant)
    assert answer_to(token) == 200
    applicant.set_password("a brand new passphrase 2026")
    applicant.save()
    assert answer_to(token) == 401


def test_the_old_token_is_401_after_a_password_reset(applicant, client, mailoutbox):
    token = sign_in_through_the_api(applicant)
    client.post(reverse("password_reset"), {"email": applicant.email})
    link = re.search(r"http\S+/accounts/password-reset/\S+/", mailoutbox[0].body).group(0)
    form = client.get(link, follow=True)
    new_password = "a brand new passphrase 2026"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    assert answer_to(token) == 401
    assert answer_to(sign_in_through_the_api(applicant, new_password)) == 200


def test_a_deactivated_users_tokens_are_revoked(applicant):
    token = sign_in_through_the_api(applicant)
    applicant.is_active = False
    applicant.save()
    assert answer_to(token) == 401
    assert not ApiToken.objects.filter(user=applicant).exists()


def test_an_expired_token_is_401(applicant):
    token = sign_in_through_the_api(applicant)
    ApiToken.objects.filter(user=applicant).update(expires_at=timezone.now())
    assert answer_to(token) == 401


def test_a_user_sees_their_tokens_and_revokes_one(applicant, client):
    kept, revoked = sign_in_through_the_api(applicant), sign_in_through_the_api(applicant)
    client.force_login(applicant)
    page = client.get(reverse("api_tokens")).content.decode()
    prefixes = [token.split(".")[0] for token in (kept, revoked)]
    assert all(f"{prefix}…" in page for prefix in prefixes)
    assert kept.split(".")[1] not in page
    record = ApiToken.objects.get(prefix=prefixes[1])
    answer = client.post(reverse("revoke_api_token", args=[record.pk]), follow=True)
    assert "The token is revoked" in answer.content.decode()
    assert answer_to(revoked) == 401 and answer_to(kept) == 200


def test_another_users_token_cannot_be_revoked(applicant, client):
    token = sign_in_through_the_api(applicant)
    client.force_login(ApplicantFactory())
    record = ApiToken.objects.get(user=applicant)
    answer = client.post(reverse("revoke_api_token", args=[record.pk]), follow=True)
    assert "not one of yours" in answer.content.decode()
    assert answer_to(token) == 200


def test_the_admin_shows_no_token_secret(applicant, client):
    token = sign_in_through_the_api(applicant)
    record = ApiToken.objects.get(user=applicant)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages = [
        client.get(reverse("admin:waivers_apitoken_changelist")),
        client.get(reverse("admin:waivers_apitoken_change", args=[record.pk])),
    ]
    assert [page.status_code for page in pages] == [200, 200]
    for page in pages:
        html = page.content.decode()
        assert record.prefix in html
        assert token.split(".")[1] not in html and record.digest not in html
