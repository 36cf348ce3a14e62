"""A session left idle for SESSION_IDLE_MINUTES is signed out, and the sign-in page says why."""

import time

import pytest
from django.conf import settings

from waivers.web.idle import LAST_SEEN

from .factories import PASSWORD, ReviewerFactory

pytestmark = pytest.mark.django_db


def idle_for(client, minutes: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - minutes * 60
    session.save()


@pytest.fixture
def reviewer_client(client):
    client.force_login(ReviewerFactory())
    return client


def test_a_session_idle_longer_than_the_setting_is_signed_out(reviewer_client, settings):
    settings.SESSION_IDLE_MINUTES = 30
    idle_for(reviewer_client, 31)
    response = reviewer_client.get("/nra/queue/", follow=True)
    assert response.redirect_chain[0][0] == "/accounts/login/?next=/nra/queue/"
    assert "signed out after 30 minutes of inactivity" in response.content.decode()
    assert reviewer_client.get("/nra/queue/").status_code == 302


def test_a_session_used_within_the_setting_stays_signed_in(reviewer_client, settings):
    settings.SESSION_IDLE_MINUTES = 30
    idle_for(reviewer_client, 29)
    assert reviewer_client.get("/nra/queue/").status_code == 200
    assert reviewer_client.session[LAST_SEEN] > time.time() - 60


def test_an_idle_session_on_the_api_is_answered_as_signed_out(reviewer_client):
    idle_for(reviewer_client, settings.SESSION_IDLE_MINUTES + 1)
    assert reviewer_client.get("/api/v1/waivers/").status_code in (401, 403)


def test_a_session_cookie_lasts_at_most_a_working_day(client):
    reviewer = ReviewerFactory()
    response = client.post(
        "/accounts/login/", {"username": reviewer.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert 0 < response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] <= 12 * 3600
