"""The hand-written flagging statement alone (the yardstick of the expiry sweep)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from bench.measure import latency, timings, vacuum
from bench.sweep_sql import flag
from waivers.models import Certificate


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    today = timezone.now().date()
    flagged: list[int] = []

    def once() -> None:
        with transaction.atomic():
            flagged.append(flag(today))
            transaction.set_rollback(True)

    samples = timings(once, repeat=3 if smoke else 7)
    vacuum()
    return [
        latency(
            f"sweep SQL: one statement over {Certificate.objects.count()} certificates",
            samples,
            cases_flagged=flagged[-1],
        )
    ]
