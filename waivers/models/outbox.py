"""The transactional outbox: tasks written with the change that calls for them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A task to run, written in the same transaction as the change that calls for it.

    It is dispatched after commit; if the broker is down, the periodic catch-up dispatches it
    later, so no signed decision ever goes without its letter.
    """

    task = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["done_at", "created_at"], name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.task} {self.payload}"
