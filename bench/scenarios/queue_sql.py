"""The hand-written SQL behind each reviewer-queue shape: the floor the queue page is held to."""

from __future__ import annotations

from typing import Any

from django.db import connection

from bench.measure import latency, timings
from bench.queue_shapes import STATE_COUNTS, context, run_sql, shapes
from waivers.models import User


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    reviewer = User.objects.select_related("nra__policy").get(username="bench-reviewer")
    ctx = context(reviewer)
    rows = []
    for shape in shapes(reviewer):
        count, fetched = run_sql(shape, ctx)
        samples = timings(lambda shape=shape: run_sql(shape, ctx), repeat=5 if smoke else 21)
        rows.append(latency(f"queue SQL: {shape.name}", samples, matches=count, fetched=fetched))

    def state_counts() -> None:
        with connection.cursor() as cursor:
            cursor.execute(STATE_COUNTS, ctx)
            cursor.fetchall()

    rows.append(
        latency("queue SQL: counts per state", timings(state_counts, repeat=5 if smoke else 21))
    )
    return rows
