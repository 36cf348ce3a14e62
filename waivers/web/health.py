"""`/healthz` and `/livez`, answered before Django validates the request's Host header.

A container health check or a load balancer's probe reaches the process by an internal address
(`localhost:8000`, a pod IP) that is not, and should not be, in `ALLOWED_HOSTS`. The answers are
fixed bodies that build no URL from the Host header, so a forged one has nothing to poison; every
other path still gets the full host validation.

`/livez` says only that the process answers (restart it when it does not). `/healthz` also asks
each dependency: the database, the cache, the broker, and reports the oldest outbox message not
done yet (work waiting for the catch-up). It answers 503 naming what is down, so that a probe
takes the instance out of rotation; the body names components and error types only, never an
address or a message from the dependency.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from ..services import outbox

logger = logging.getLogger(__name__)

HEALTH, LIVENESS = "/healthz", "/livez"


class HealthCheckMiddleware:
    """First in MIDDLEWARE: a GET or HEAD of a probe never reaches host, HTTPS or session checks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            if request.path_info == HEALTH:
                return healthz()
            if request.path_info == LIVENESS:
                return JsonResponse({"status": "ok"})
        return self.get_response(request)


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {}


def _cache() -> dict[str, Any]:
    ping = getattr(cache, "ping", None)
    if ping is None:
        return {"detail": "process-local"}
    ping()
    return {"misses_while_unreachable": cache.failures}  # type: ignore[attr-defined]


def _broker() -> dict[str, Any]:
    if current_app.conf.task_always_eager:
        return {"detail": "not used: tasks run in-process"}
    with current_app.connection_for_write() as broker:
        broker.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=settings.REDIS_SOCKET_TIMEOUT
        )
    return {}


def _outbox() -> dict[str, Any]:
    count, oldest = outbox.lag()
    return {
        "pending": count,
        "oldest_pending_seconds": round(oldest) if oldest is not None else None,
    }


#: What /healthz asks; any of them failing makes the answer 503.
CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "outbox": _outbox,
}


def healthz() -> JsonResponse:
    """Each dependency, ``{"ok": …}`` with what it reports; 503 when any is down."""
    components: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        try:
            components[name] = {"ok": True, **check()}
        except Exception as exc:
            logger.warning("Health check: %s is down: %s", name, exc)
            components[name] = {"ok": False, "error": type(exc).__name__}
    down = sorted(name for name, found in components.items() if not found["ok"])
    return JsonResponse(
        {"status": "unavailable" if down else "ok", "down": down, "components": components},
        status=503 if down else 200,
    )
