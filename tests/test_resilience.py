"""Outages: Redis unreachable, PostgreSQL connections dropped, probes that say what is down.

Redis is really unreachable here: the cache (and, where named, the broker) points at a local port
nothing listens on, through a fresh cache connection.
"""

import ast
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import close_old_connections, connection
from django.utils import timezone
from rest_framework.test import APIClient

from waivers.models import OutboxMessage, State
from waivers.services.tokens import issue_token

from .factories import PASSWORD, bring_to, queued_case
from .test_deployment import manage

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_down(settings, unused_port):
    """The cache on a Redis that refuses connections; counts cached as in production."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{unused_port}/0",
        }
    }
    settings.CASE_COUNT_CACHE_SECONDS = 60


@pytest.fixture
def broker_down(broker_at, unused_port):
    """Tasks go to a broker that refuses connections, as a web process's do in production."""
    from portal.celery import app

    app.conf.task_always_eager = False
    broker_at(f"redis://127.0.0.1:{unused_port}/0")


def api_client(user):
    client = APIClient(raise_request_exception=False)
    token, _ = issue_token(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def drop_connection():
    """PostgreSQL ends this process's connection, as a restart or failover does."""
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params()) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


# --- Redis down ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_list_answers_while_redis_is_down(redis_down, case, applicant):
    response = api_client(applicant).get("/api/v1/waivers/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.django_db
def test_the_queue_answers_while_redis_is_down(redis_down, client, reviewer, case):
    queued_case(case.authority)
    client.force_login(reviewer)
    response = client.get("/nra/queue/")
    assert response.status_code == 200
    assert "1 case" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_signature_while_redis_is_down_is_answered_as_signed_and_its_letter_waits(
    redis_down, broker_down, client, case, applicant, reviewer, approver
):
    case = bring_to(case, "recommended", applicant=applicant, reviewer=reviewer, outcome="approve")
    client.force_login(approver)
    response = client.post(
        f"/nra/cases/{case.reference}/sign/",
        {"password": PASSWORD, "meaning": "approval", "expected_version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.APPROVED
    letter = OutboxMessage.objects.get(task="waivers.tasks.issue_letter")
    assert letter.done_at is None and "broker is unreachable" in letter.last_error


@pytest.mark.django_db
def test_an_api_action_while_redis_is_down_is_answered_as_done(redis_down, case, applicant):
    response = api_client(applicant).post(f"/api/v1/waivers/{case.pk}/submit/", format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "submitted"


def test_every_after_commit_hook_is_isolated_from_the_others():
    """A hook that raises (a cache, a broker away) cannot stop the next or undo the answer."""
    calls = []
    for path in (ROOT / "waivers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "on_commit":
                robust = {k.arg: k.value for k in node.keywords}.get("robust")
                calls.append((path.name, node.lineno, getattr(robust, "value", None)))
    assert calls and all(robust is True for *_, robust in calls), calls


# --- the probes ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_every_component_when_all_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["down"] == []
    assert set(body["components"]) == {"database", "cache", "broker", "outbox"}
    assert body["components"]["outbox"] == {
        "ok": True,
        "pending": 0,
        "oldest_pending_seconds": None,
    }


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_cache_while_redis_is_down(redis_down, client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["down"] == ["cache"]
    assert body["components"]["cache"] == {"ok": False, "error": "ConnectionError"}
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_broker_while_it_is_down(broker_down, client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


@pytest.mark.django_db
def test_healthz_reports_the_oldest_outbox_message_not_done(client):
    OutboxMessage.objects.create(
        task="waivers.tasks.issue_letter",
        dedupe_key="waiting",
        created_at=timezone.now() - timedelta(minutes=7),
    )
    outbox = client.get("/healthz").json()["components"]["outbox"]
    assert outbox["pending"] == 1 and 415 <= outbox["oldest_pending_seconds"] <= 425


def test_livez_answers_for_the_process_alone_while_redis_is_down(redis_down, client, settings):
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    response = client.get("/livez", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


# --- PostgreSQL connections dropped ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_api_call_on_a_dropped_connection_is_answered_with_json_503(case, applicant):
    client = api_client(applicant)
    drop_connection()
    try:
        response = client.get("/api/v1/waivers/")
    finally:
        connection.close()
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "Try again" in response.json()["detail"] and response["Retry-After"]


@pytest.mark.django_db(transaction=True)
def test_a_keyed_post_failing_outside_the_view_is_answered_with_json(case, applicant):
    client = api_client(applicant)
    drop_connection()
    try:
        response = client.post(
            f"/api/v1/waivers/{case.pk}/submit/", format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
    finally:
        connection.close()
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    case.refresh_from_db()
    assert case.state == State.DRAFT


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_replaced_at_the_next_request(case, applicant):
    client = api_client(applicant)
    drop_connection()
    close_old_connections()  # what Django does as each request starts
    response = client.get("/api/v1/waivers/")
    assert response.status_code == 200 and response.json()["count"] == 1


# --- a worker killed whole ------------------------------------------------------------------------


def test_the_visibility_timeout_and_catch_up_interval_come_from_the_environment():
    """A message a killed worker took is redelivered after the visibility timeout; the outbox
    catch-up, every OUTBOX_CATCH_UP_SECONDS, runs its work sooner. Both are the operator's."""
    shown = manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from portal.celery import app; "
        "print(app.conf.broker_transport_options['visibility_timeout'], "
        "app.conf.beat_schedule['outbox-catch-up']['schedule'])",
        CELERY_VISIBILITY_TIMEOUT_SECONDS="900",
        OUTBOX_CATCH_UP_SECONDS="60",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["900", "60.0"]


@pytest.mark.django_db
@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_healthz_asks_a_broker_that_answers(broker_at, client):
    from portal.celery import app

    app.conf.task_always_eager = False
    broker_at(django_settings.REDIS_URL)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["components"]["broker"] == {"ok": True}


@pytest.mark.django_db
def test_an_outage_is_counted_and_logged_once(redis_down, case, applicant, caplog):
    from django.core.cache import cache

    client = api_client(applicant)
    with caplog.at_level("WARNING", logger="portal.cache"):
        for _ in range(3):
            assert client.get("/api/v1/waivers/").status_code == 200
    assert cache.failures >= 6  # each request's throttle read and write, at least
    outages = [r for r in caplog.records if r.name == "portal.cache"]
    assert len(outages) == 1 and "Cache unreachable" in outages[0].getMessage()
