"""``/metrics`` for Prometheus (prometheus_client), behind a bearer token.

What it shows: request latency by view, method and status class; Celery task runs and failures by
task name; and, computed when scraped, the outbox lag (messages not done, age of the oldest), the
oldest signed decision still without its letter, and the cache's fail-open misses.

Several processes (gunicorn workers, Celery's pool): see portal/prometheus.py.

Like ``/healthz``, ``/metrics`` is answered before host validation and the HTTPS redirect, since a
scraper reaches the process by an internal address; the body builds nothing from the request, and
without ``Authorization: Bearer <METRICS_TOKEN>`` the answer is 404 (no token set) or 401.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from portal import cache  # noqa: F401  (its fail-open miss counter, even without Redis)
from portal.prometheus import MULTIPROCESS

logger = logging.getLogger("waivers.requests")

PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    "portal_request_duration_seconds",
    "Time to answer a request, by view name, method and status class.",
    ["view", "method", "status"],
)
TASKS = Counter("portal_celery_tasks", "Celery tasks run, by task name.", ["task"])
TASK_FAILURES = Counter(
    "portal_celery_task_failures", "Celery task runs that raised, by task name.", ["task"]
)


#: Gauges read from the database at each scrape: name, help.
GAUGES = {
    "portal_outbox_pending": "Outbox messages not done yet.",
    "portal_outbox_oldest_pending_seconds": "Age of the oldest outbox message not done (0: none).",
    "portal_oldest_unsent_letter_seconds": (
        "Time since the oldest signed decision still without its letter was signed (0: none)."
    ),
}


class PortalState(Collector):
    """The outbox lag and the oldest unsent letter, from the database when scraped."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        for name, documentation in GAUGES.items():
            yield GaugeMetricFamily(name, documentation)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from ..letters import oldest_unsent_letter_seconds
        from ..services import outbox

        pending, oldest = outbox.lag()
        found = {
            "portal_outbox_pending": pending,
            "portal_outbox_oldest_pending_seconds": oldest or 0,
            "portal_oldest_unsent_letter_seconds": oldest_unsent_letter_seconds() or 0,
        }
        for name, documentation in GAUGES.items():
            yield GaugeMetricFamily(name, documentation, value=found[name])


STATE = PortalState()
if not MULTIPROCESS:
    REGISTRY.register(STATE)


def exposition() -> bytes:
    """This process's metrics, or every process's from PROMETHEUS_MULTIPROC_DIR; and the state."""
    if not MULTIPROCESS:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(STATE)
    return generate_latest(registry)


def authorised(request: HttpRequest) -> bool:
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {settings.METRICS_TOKEN}".encode())


def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        response = HttpResponse("Not found", status=404, content_type="text/plain")
    elif not authorised(request):
        response = HttpResponse("Unauthorised", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    else:
        response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


class MetricsMiddleware:
    """Answers ``/metrics`` (before host validation); times and logs every other request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return metrics(request)
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match else "unresolved"
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(
            view=view, method=method, status=f"{response.status_code // 100}xx"
        ).observe(seconds)
        # The view's name, not the path: a path can carry a reference or a verification code.
        logger.info("%s %s %s %.1f ms", method, view, response.status_code, seconds * 1000)
        return response


def count_task(sender: Any = None, **kwargs: Any) -> None:
    """Celery ``task_postrun``: one run of the task."""
    TASKS.labels(task=getattr(sender, "name", "unknown")).inc()


def count_failure(sender: Any = None, **kwargs: Any) -> None:
    """Celery ``task_failure``."""
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


def connect() -> None:
    from celery import signals

    signals.task_postrun.connect(count_task, dispatch_uid="metrics_task_postrun")
    signals.task_failure.connect(count_failure, dispatch_uid="metrics_task_failure")
