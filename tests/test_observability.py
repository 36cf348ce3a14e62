"""Observability: JSON logs with a request id that reaches the tasks a request queues, and a
Prometheus /metrics endpoint behind a token."""

import json
import logging

import pytest
from django.test import override_settings
from django.urls import reverse

from waivers.observability import JsonFormatter

from .factories import bring_to

pytestmark = pytest.mark.django_db

TOKEN = "scrape-0123456789abcdef"


@pytest.fixture
def caplog(caplog):
    """caplog on the portal's loggers: an eager task's first run sets Django up again (Celery's
    fixup), which gives the root logger its configured handlers only."""
    portal = logging.getLogger("waivers")
    portal.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    yield caplog
    portal.removeHandler(caplog.handler)


def lines(caplog, request_id):
    formatter = JsonFormatter()
    records = {id(record): record for record in caplog.records}.values()  # once, if seen twice
    return [
        json.loads(formatter.format(record))
        for record in records
        if getattr(record, "request_id", None) == request_id
    ]


def test_a_request_is_logged_as_json_with_the_id_it_came_with(client, caplog):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="probe-42")
    assert response["X-Request-ID"] == "probe-42"
    [line] = [x for x in lines(caplog, "probe-42") if x["logger"] == "waivers.requests"]
    assert line["level"] == "INFO"
    assert line["message"].startswith("GET login 200 ")


def test_a_request_without_a_sane_id_gets_one_made_up(client):
    given = client.get(reverse("login"))["X-Request-ID"]
    forged = client.get(reverse("login"), HTTP_X_REQUEST_ID='x" level=ERROR\n')["X-Request-ID"]
    assert len(given) == 32 and len(forged) == 32 and given != forged


def test_the_task_a_request_queues_logs_under_the_request_id(
    client, case, applicant, caplog, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("applicant:submit", args=[case.reference]),
            {"version": case.version},
            HTTP_X_REQUEST_ID="submit-7",
        )
    assert response["X-Request-ID"] == "submit-7"
    logged = {line["logger"]: line["message"] for line in lines(caplog, "submit-7")}
    assert logged["waivers.requests"].startswith("POST applicant:submit 302 ")
    assert logged["waivers.tasks"].startswith("Task waivers.tasks.run_case_checks done")


def test_metrics_are_not_found_while_no_token_is_configured(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_refuse_a_wrong_token(client):
    for header in ("", "Bearer wrong", TOKEN, f"Bearer {TOKEN}x"):
        response = client.get("/metrics", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response["Cache-Control"] == "no-store"


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_with_the_token_name_what_an_operator_watches(
    client, recommended, approver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bring_to(recommended, "decided", approver=approver)  # its letter is issued after commit
    client.get(reverse("login"))
    response = client.get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_HOST="10.0.0.7:8000"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert 'portal_request_duration_seconds_count{method="GET",status="2xx",view="login"}' in body
    assert 'portal_celery_tasks_total{task="waivers.tasks.issue_letter"}' in body
    for name in (
        "portal_celery_task_failures_total",
        "portal_cache_fail_open_misses_total",
        "portal_outbox_pending",
        "portal_outbox_oldest_pending_seconds",
    ):
        assert name in body
    assert "portal_oldest_unsent_letter_seconds 0.0" in body


def gauge(body, name):
    [value] = [line.split()[1] for line in body.splitlines() if line.startswith(f"{name} ")]
    return float(value)


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_signed_decision_whose_letter_has_not_run_shows_as_unsent(client, recommended, approver):
    bring_to(recommended, "decided", approver=approver)  # no commit here: the letter never runs
    body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert gauge(body, "portal_oldest_unsent_letter_seconds") > 0
    assert gauge(body, "portal_outbox_pending") >= 1
