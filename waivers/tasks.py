"""Celery tasks: thin, idempotent wrappers around services.

Work is queued through the outbox (waivers.services.outbox) after the commit. Each task may run
twice without doing anything twice, acknowledges late (a worker lost mid-task means a redelivery,
not a lost letter), retries transient failures with exponential backoff, and records every failure
on its outbox message, which operators see in the admin.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from celery import Task, current_app, shared_task
from django.db import InterfaceError, OperationalError

from . import audit, letters
from .models import WaiverRequest
from .selectors import notifications as notification_reads
from .services import checks, expiry, idempotency, maturity, notifications, outbox

logger = logging.getLogger(__name__)

#: Failures worth retrying: the database, the mail server or the network was briefly away.
TRANSIENT = (OperationalError, InterfaceError, OSError, TimeoutError)
#: The catch-up leaves messages this young to the normal path.
CATCH_UP_AFTER = timedelta(minutes=2)


class OutboxTask(Task):
    """Marks its outbox message done on success, and records each failure on it."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8

    def __call__(self, *args: Any, outbox_id: int | None = None, **kwargs: Any) -> Any:
        if outbox_id is not None and outbox.is_done(outbox_id):
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Exception as exc:
            if outbox_id is not None:
                outbox.record_failure(outbox_id, getattr(exc, "exc", None) or exc)
            raise
        if outbox_id is not None:
            outbox.mark_done(outbox_id)
        logger.info("Task %s done (outbox message %s)", self.name, outbox_id)
        return result


@shared_task(base=OutboxTask, name="waivers.tasks.issue_letter")
def issue_letter(waiver_id: int) -> str:
    """Issue the decision letter of a signed case (once) and tell the applicant it is ready."""
    case = WaiverRequest.objects.select_related("organisation").get(pk=waiver_id)
    letter = letters.issue_decision_letter(case)
    notifications.notify(
        notifications.notices(
            notification_reads.applicants(case),
            event="letter_issued",
            waiver=case,
            occasion=f"{letter.pk}",
            letter=letter,
        )
    )
    return letter.verification_code


@shared_task(base=OutboxTask, name="waivers.tasks.send_notification_emails")
def send_notification_emails() -> int:
    return notifications.send_pending_emails()


@shared_task(base=OutboxTask, name="waivers.tasks.run_case_checks")
def run_case_checks(waiver_id: int) -> int:
    return len(checks.run_for([waiver_id]))


@shared_task(base=OutboxTask, name="waivers.tasks.recheck_maturity")
def recheck_maturity(authority_ids: list[int], nra_ids: list[int]) -> str:
    return str(maturity.recheck(authority_ids=authority_ids, nra_ids=nra_ids))


@shared_task(base=OutboxTask, name="waivers.tasks.expiry_sweep")
def expiry_sweep(today: str | None = None) -> str:
    report = expiry.sweep(today=date.fromisoformat(today) if today else None)
    return str(report)


@shared_task(name="waivers.tasks.drain_outbox", acks_late=True)
def drain_outbox(older_than_seconds: float | None = None) -> int:
    """Run here whatever the outbox still holds (e.g. queued while the broker was down)."""
    age = CATCH_UP_AFTER if older_than_seconds is None else timedelta(seconds=older_than_seconds)
    ran = 0
    for message in outbox.pending(older_than=age):
        task = current_app.tasks.get(message.task)
        if task is None:
            outbox.record_failure(message.pk, f"No task is called {message.task}.")
            continue
        try:
            with outbox.running(message) as kwargs:
                task(**kwargs)
        except Exception:
            logger.exception("Outbox message %s (%s) failed again", message.pk, message.task)
            continue
        ran += 1
    outbox.prune()
    return ran


@shared_task(name="waivers.tasks.record_audit_checkpoint")
def record_audit_checkpoint() -> str:
    """Anchor every audit chain's head in a checkpoint (hourly, from Celery beat), and e-mail it
    off the system to ``AUDIT_CHECKPOINT_EMAIL``."""
    checkpoint = audit.record_checkpoint()
    audit.send_checkpoint(checkpoint)
    return str(checkpoint)


@shared_task(name="waivers.tasks.prune_idempotent_responses")
def prune_idempotent_responses() -> int:
    """Forget stored answers to API POSTs once too old to replay (hourly, from Celery beat)."""
    return idempotency.prune()
