"""The request id: taken from a sane ``X-Request-ID`` or made up, put on every log record, kept on
each outbox message the request writes and carried in the headers of the Celery task that runs it,
so a task's logs name the request that queued it (the catch-up's run included).

Logs are one JSON object a line (``LOG_FORMAT=json``, the default with DEBUG off) or plain text.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
#: A client's id is kept only if it is a short token: nothing that could forge a log line.
SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestIdMiddleware:
    """First in MIDDLEWARE: every log line of the request, probes included, carries its id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        current = given if SANE.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(current)
        try:
            response = self.get_response(request)
            response[HEADER] = current
            return response
        finally:
            request_id.reset(token)


@contextmanager
def carrying(carried: str | None) -> Iterator[None]:
    """Work done later for a request (an outbox message run after it ended) logs under its id."""
    if not carried:
        yield
        return
    token = request_id.set(carried)
    try:
        yield
    finally:
        request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on each record ("-" outside a request or a task it queued)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def add_request_id_to_task(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Celery ``before_task_publish``: the task carries the id of the request that queued it."""
    current = request_id.get()
    if current and headers is not None:
        headers.setdefault("request_id", current)


_task_tokens: dict[str, Token[str | None]] = {}


def adopt_request_id(task_id: str, task: Any, **kwargs: Any) -> None:
    """Celery ``task_prerun``: a task logs under the id it carries (an eager one keeps its own)."""
    carried = getattr(task.request, "request_id", None)
    if carried:
        _task_tokens[task_id] = request_id.set(carried)


def drop_request_id(task_id: str, **kwargs: Any) -> None:
    """Celery ``task_postrun``."""
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)


def connect() -> None:
    from celery import signals

    signals.before_task_publish.connect(add_request_id_to_task, dispatch_uid="request_id_publish")
    signals.task_prerun.connect(adopt_request_id, dispatch_uid="request_id_prerun")
    signals.task_postrun.connect(drop_request_id, dispatch_uid="request_id_postrun")
