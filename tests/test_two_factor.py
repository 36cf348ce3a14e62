"""Two-factor sign-in (21 CFR Part 11 §11.300): required for NRA staff and authority admins,
optional for applicants, with recovery codes, on the sign-in page, the admin and the API."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from waivers.models import AuditEntry, Chain, Role
from waivers.web.two_factor import PENDING, PENDING_SECONDS

from .factories import (
    PASSWORD,
    ApplicantFactory,
    ApproverFactory,
    AuthenticatorFactory,
    ReviewerFactory,
    UserFactory,
    authenticator_code,
)

pytestmark = pytest.mark.django_db

LOGIN, CODE, ENROL, ACCOUNT = (
    "/accounts/login/",
    "/accounts/login/code/",
    "/accounts/two-factor/set-up/",
    "/accounts/two-factor/",
)
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The token endpoint's throttle counts in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def password_step(client, user, **extra):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD, **extra})


def recovery_codes_in(html: str) -> list[str]:
    listed = re.search(r'<ul[^>]*id="recovery-codes"[^>]*>(.*?)</ul>', html, re.S)
    assert listed is not None
    return re.findall(r"<li>(\w+)</li>", listed.group(1))


def last_role_entry() -> AuditEntry:
    return AuditEntry.objects.filter(chain=Chain.ROLES).order_by("-seq").first()


def test_the_password_alone_does_not_sign_in_a_reviewer_with_an_authenticator(client):
    device = AuthenticatorFactory(user=ReviewerFactory())
    response = password_step(client, device.user, next="/nra/queue/")
    assert response.status_code == 302 and response["Location"] == CODE
    assert "_auth_user_id" not in client.session
    assert client.get("/nra/queue/").status_code == 302
    assert client.get("/api/v1/waivers/").status_code in (401, 403)
    response = client.post(CODE, {"code": authenticator_code(device)})
    assert response.status_code == 302 and response["Location"] == "/nra/queue/"
    assert client.get("/nra/queue/").status_code == 200


def test_a_wrong_code_is_refused_and_the_right_one_waits_until_the_throttle_has_passed(client):
    device = AuthenticatorFactory(user=ApproverFactory())
    password_step(client, device.user)
    wrong = client.post(CODE, {"code": "000000" if authenticator_code(device) != "000000" else "1"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    too_soon = client.post(CODE, {"code": authenticator_code(device)})
    assert too_soon.status_code == 400 and "Too many wrong codes" in too_soon.content.decode()
    assert "_auth_user_id" not in client.session
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
    )
    assert client.post(CODE, {"code": authenticator_code(device)}).status_code == 302
    assert "_auth_user_id" in client.session


def test_each_wrong_code_doubles_the_wait(client):
    device = AuthenticatorFactory(user=ReviewerFactory())
    password_step(client, device.user)
    for _ in range(4):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        client.post(CODE, {"code": "1"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 4
    answer = client.post(CODE, {"code": authenticator_code(device)}).content.decode()
    assert "wait 8 seconds" in answer or "wait 9 seconds" in answer


def test_a_code_signs_in_only_once(client):
    device = AuthenticatorFactory(user=ReviewerFactory())
    code = authenticator_code(device)
    password_step(client, device.user)
    assert client.post(CODE, {"code": code}).status_code == 302
    client.logout()
    password_step(client, device.user)
    replay = client.post(CODE, {"code": code})
    assert replay.status_code == 400 and "already used" in replay.content.decode()


def test_the_right_password_waits_a_few_minutes_for_its_code(client):
    device = AuthenticatorFactory(user=ReviewerFactory())
    password_step(client, device.user)
    session = client.session
    session[PENDING] = {
        **session[PENDING],
        "since": session[PENDING]["since"] - PENDING_SECONDS - 1,
    }
    session.save()
    response = client.post(CODE, {"code": authenticator_code(device)})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "make",
    [
        ReviewerFactory,
        ApproverFactory,
        lambda: UserFactory(role=Role.REGISTRAR, organisation=None, is_staff=True),
    ],
    ids=["reviewer", "approver", "authority admin"],
)
def test_nra_staff_and_authority_admins_set_up_an_authenticator_before_any_page_works(client, make):
    user = make()
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"] == ENROL
    assert client.get("/").status_code == 302 and "_auth_user_id" not in client.session
    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r'<code id="secret"[^>]*>([A-Z2-7 ]+)</code>', page).group(1)
    assert secret.replace(" ", "") in device.config_url
    reload = client.get(ENROL)
    assert reload.content.decode().count(secret) == 1  # the same secret
    assert "no-store" in reload["Cache-Control"]
    shown = client.post(ENROL, {"code": authenticator_code(device)})
    assert shown.status_code == 200
    codes = recovery_codes_in(shown.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 302 and "_auth_user_id" in client.session
    entry = last_role_entry()
    assert (entry.actor, entry.reason) == (user, "set up two-factor sign-in")
    assert entry.changes["fields"]["two_factor"] == {"old": False, "new": True}


def test_a_wrong_code_does_not_confirm_the_enrolment(client):
    reviewer = ReviewerFactory()
    password_step(client, reviewer)
    client.get(ENROL)
    assert client.post(ENROL, {}).status_code == 400
    response = client.post(ENROL, {"code": "12"})
    assert response.status_code == 400 and "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once_and_the_trail_records_it(client):
    reviewer = ReviewerFactory()
    password_step(client, reviewer)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=reviewer)
    codes = recovery_codes_in(
        client.post(ENROL, {"code": authenticator_code(device)}).content.decode()
    )
    client.logout()
    password_step(client, reviewer)
    response = client.post(CODE, {"code": codes[0].upper()}, follow=True)
    assert "You signed in with a recovery code: 9 left" in response.content.decode()
    entry = last_role_entry()
    assert entry.reason == "used a recovery code to sign in"
    assert entry.changes["fields"] == {"recovery_codes": {"old": 10, "new": 9}}
    client.logout()
    password_step(client, reviewer)
    assert client.post(CODE, {"code": codes[0]}).status_code == 400


def test_an_applicant_without_an_authenticator_signs_in_with_the_password(client):
    applicant = ApplicantFactory()
    assert password_step(client, applicant)["Location"] == "/"
    assert "_auth_user_id" in client.session


def test_an_applicant_sets_up_two_factor_from_the_account_page_and_turns_it_off(client):
    applicant = ApplicantFactory()
    client.force_login(applicant)
    assert "Off: your password alone" in client.get(ACCOUNT).content.decode()
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=applicant)
    client.post(ENROL, {"code": authenticator_code(device)})
    assert "10</strong> recovery codes left" in client.get(ACCOUNT).content.decode()
    client.logout()
    assert password_step(client, applicant)["Location"] == CODE
    client.post(CODE, {"code": authenticator_code(device)})
    response = client.post(
        "/accounts/two-factor/remove/", {"code": authenticator_code(device)}, follow=True
    )
    assert "Two-factor sign-in is off" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=applicant).exists()
    assert not StaticToken.objects.filter(device__user=applicant).exists()
    assert last_role_entry().reason == "turned two-factor sign-in off"
    client.logout()
    assert password_step(client, applicant)["Location"] == "/"


def test_turning_two_factor_off_needs_a_current_code(client):
    device = AuthenticatorFactory()
    client.force_login(device.user)
    response = client.post("/accounts/two-factor/remove/", {"code": "123"}, follow=True)
    assert "That code is not right" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_nra_staff_cannot_turn_two_factor_off(client):
    device = AuthenticatorFactory(user=ReviewerFactory())
    client.force_login(device.user)
    assert "Turn two-factor sign-in off" not in client.get(ACCOUNT).content.decode()
    response = client.post(
        "/accounts/two-factor/remove/", {"code": authenticator_code(device)}, follow=True
    )
    assert "must keep two-factor sign-in" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_new_recovery_codes_replace_the_old_ones(client):
    applicant = ApplicantFactory()
    client.force_login(applicant)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=applicant)
    old = recovery_codes_in(
        client.post(ENROL, {"code": authenticator_code(device)}).content.decode()
    )
    response = client.post(
        "/accounts/two-factor/recovery-codes/", {"code": authenticator_code(device)}
    )
    new = recovery_codes_in(response.content.decode())
    assert len(new) == 10 and not set(old) & set(new)
    entry = last_role_entry()
    assert entry.reason == "replaced the recovery codes"
    assert entry.changes["fields"] == {"recovery_codes": {"old": "10 left", "new": "10 new"}}
    client.logout()
    password_step(client, applicant)
    assert client.post(CODE, {"code": old[1]}).status_code == 400


def test_the_admin_signs_in_through_the_portal_sign_in_and_its_second_factor(client):
    device = AuthenticatorFactory(user=UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/admin/"
    client.post("/admin/login/", {"username": device.user.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    password_step(client, device.user, next="/admin/")
    response = client.post(CODE, {"code": authenticator_code(device)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_api_token_needs_the_code_of_an_account_with_an_authenticator():
    device = AuthenticatorFactory(user=ReviewerFactory())
    client, body = APIClient(), {"username": device.user.username, "password": PASSWORD}
    missing = client.post(TOKEN, body, format="json")
    assert missing.status_code == 400
    assert "send the current code" in missing.json()["otp"][0]
    wrong = client.post(TOKEN, {**body, "otp": "123"}, format="json")
    assert wrong.status_code == 400 and "That code is not right" in wrong.json()["otp"][0]
    too_soon = client.post(TOKEN, {**body, "otp": authenticator_code(device)}, format="json")
    assert too_soon.status_code == 429 and "Too many wrong codes" in too_soon.json()["detail"]
    assert int(too_soon["Retry-After"]) >= 1
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    issued = client.post(TOKEN, {**body, "otp": authenticator_code(device)}, format="json")
    assert issued.status_code == 200 and issued.json()["token"]


def test_a_recovery_code_gets_an_api_token_once(client):
    applicant = ApplicantFactory()
    client.force_login(applicant)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=applicant)
    codes = recovery_codes_in(
        client.post(ENROL, {"code": authenticator_code(device)}).content.decode()
    )
    body = {"username": applicant.username, "password": PASSWORD, "otp": codes[0]}
    assert APIClient().post(TOKEN, body, format="json").status_code == 200
    assert last_role_entry().reason == "used a recovery code to request an API token"
    assert APIClient().post(TOKEN, body, format="json").status_code == 400


@pytest.mark.parametrize("factory", [ReviewerFactory, ApproverFactory])
def test_nra_staff_without_an_authenticator_get_no_api_token_with_the_password_alone(factory):
    staff = factory()
    response = APIClient().post(
        TOKEN, {"username": staff.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert "set up an authenticator app" in response.json()["detail"]
    assert not staff.api_tokens.exists()


def test_an_applicant_without_an_authenticator_gets_a_token_with_the_password_alone():
    applicant = ApplicantFactory()
    response = APIClient().post(
        TOKEN, {"username": applicant.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
