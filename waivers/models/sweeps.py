"""The record of each completed expiry sweep: what the next one starts from, what inspectors see."""

from __future__ import annotations

from django.db import models


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
