"""Search in the reviewer queue by reference, applicant or product: median ≤ 100 ms at 100,000."""

from __future__ import annotations

from typing import Any

from bench.scenarios.queue import SEARCHES, measure_shapes


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    rows = measure_shapes(
        smoke=smoke,
        names=set(SEARCHES),
        prefix="search",
        target="median ≤ 100 ms",
        limit_ms=100,
    )
    for row in rows:
        row["met"] = row["median_ms"] <= 100
    return rows
