"""The expiry sweep's records: each completed sweep (what the next one starts from, what
inspectors see), and each occasion it has announced, so none is announced twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .cases import WaiverRequest


class SweepRun(models.Model):
    """A completed expiry sweep, written in the sweep's own transaction: a failed one leaves none.

    The next sweep re-checks only what changed since the latest earlier one (see
    ``services.expiry``), unless the policies it swept with have changed since.
    """

    day = models.DateField(help_text="The day it swept for.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    full = models.BooleanField(
        help_text="Every case with expired or expiring evidence was re-checked, "
        "not only what changed since the previous sweep."
    )
    policies = models.JSONField(
        default=list,
        help_text="Each NRA's warning window and CPP age limit it swept with: "
        "[authority id, days, days].",
    )
    cases_checked = models.PositiveIntegerField(default=0)
    expiring = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    lapsed = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    announced = models.PositiveIntegerField(default=0)
    notifications = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "-started_at"]

    def __str__(self) -> str:
        return f"Expiry sweep for {self.day:%Y-%m-%d}"


class Announcement(models.Model):
    """An occasion the expiry sweep has told people about (a certificate relied on expiring, a
    waiver nearing its end, a granted waiver's evidence failing), so it is announced only once.

    One row per occasion, not per person; the unique constraint makes two sweeps running at once
    unable to both announce it (the second one's transaction fails and is retried).
    """

    #: The unique constraint's index, led by the case, serves the sweep's look-ups: no other index.
    waiver = models.ForeignKey(
        WaiverRequest, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    occasion = models.CharField(max_length=40)
    key = models.CharField(max_length=100, help_text="What the occasion is about within the case.")
    announced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["waiver", "occasion", "key"], name="occasion_announced_once"
            )
        ]
