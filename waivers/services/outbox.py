"""The transactional outbox: background work recorded in the same transaction as its cause.

After the commit the message is handed to the broker. If the broker is down, the message stays
pending with the error, and the periodic catch-up (``waivers.tasks.drain_outbox``) runs it later,
so a signed decision never goes without its letter. Every failure is kept on the message, which
operators see in the admin.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import observability
from ..models import OutboxMessage

logger = logging.getLogger(__name__)

#: How hard to try the broker while a user waits: a few quick attempts, then leave it to the catch-up.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
#: After this many failed runs a message is left for an operator to look at.
MAX_ATTEMPTS = 10
KEEP_DONE = timedelta(days=30)
#: The payload key of the request id a message was written under (waivers.observability).
REQUEST_ID = "_request_id"


def enqueue(task: str, *, dedupe_key: str | None = None, **payload: Any) -> OutboxMessage:
    """Record ``task(**payload)`` to run after the current transaction commits (once per key),
    with the id of the request that called for it (``REQUEST_ID``, not passed to the task)."""
    if carried := observability.request_id.get():
        payload[REQUEST_ID] = carried
    message, created = OutboxMessage.objects.get_or_create(
        dedupe_key=dedupe_key or f"{task}:{uuid.uuid4().hex}",
        defaults={"task": task, "payload": payload},
    )
    if created:
        transaction.on_commit(partial(dispatch, message.pk), robust=True)
    return message


def dispatch(message_id: int) -> bool:
    """Hand a message to the broker (or run it here when tasks run eagerly)."""
    message = OutboxMessage.objects.get(pk=message_id)
    with running(message) as kwargs:
        return _dispatch(message, kwargs)


@contextmanager
def running(message: OutboxMessage) -> Iterator[dict[str, Any]]:
    """The task's keyword arguments, while logging under the id of the request that wrote it."""
    kwargs = {**message.payload, "outbox_id": message.pk}
    with observability.carrying(kwargs.pop(REQUEST_ID, None)):
        yield kwargs


def _dispatch(message: OutboxMessage, kwargs: dict[str, Any]) -> bool:
    if current_app.conf.task_always_eager:
        current_app.loader.import_default_modules()  # autodiscovery is lazy outside a worker
        try:
            current_app.tasks[message.task].apply(kwargs=kwargs)
        except Exception:
            # The task recorded the failure on the message; the catch-up will try again.
            logger.exception("Background task %s failed", message.task)
            return False
        return True
    try:
        current_app.send_task(message.task, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY)
    except Exception as exc:
        record_failure(message.pk, f"Not queued, the broker is unreachable: {exc}")
        logger.warning("Outbox message %s left for the catch-up: %s", message.pk, exc)
        return False
    return True


def is_done(message_id: int) -> bool:
    return OutboxMessage.objects.filter(pk=message_id, done_at__isnull=False).exists()


def mark_done(message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(done_at=timezone.now())


def record_failure(message_id: int, error: object) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(
        attempts=F("attempts") + 1, last_error=str(error)[:2000]
    )


def pending(*, older_than: timedelta, limit: int = 500) -> list[OutboxMessage]:
    """Messages not done yet that the normal path should have finished by now."""
    return list(
        OutboxMessage.objects.filter(
            done_at__isnull=True,
            created_at__lte=timezone.now() - older_than,
            attempts__lt=MAX_ATTEMPTS,
        ).order_by("created_at")[:limit]
    )


def lag() -> tuple[int, float | None]:
    """How many messages are not done yet, and the age in seconds of the oldest (None: none)."""
    waiting = OutboxMessage.objects.filter(done_at__isnull=True)
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest is not None else None
    return waiting.count(), age


def prune() -> int:
    """Forget messages done long ago; failures stay until someone looks at them."""
    deleted, _ = OutboxMessage.objects.filter(done_at__lt=timezone.now() - KEEP_DONE).delete()
    return deleted
