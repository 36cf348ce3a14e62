"""The expiry sweep over every certificate: ≤ 10 s, peak RSS ≤ 300 MB, ≤ 2 x one SQL statement.

Sweep and statement alternate in one process, each inside a transaction that is rolled back, so
every run sees the same data and nothing it queues after commit is ever sent. The data set holds
no announcements, so the measured sweep is a first one (the target's row); a second sweep the
same day, inside the same transaction, is the daily case once the occasions have been announced.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from bench.measure import latency, need, peak_rss_mb, reset_peak_rss, rss_mb, vacuum
from bench.sweep_sql import flag
from waivers.models import Certificate


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    sweep = need("waivers.services.expiry.sweep")
    today = timezone.now().date()
    sweep_s, again_s, sql_s, peaks = [], [], [], []
    for _ in range(1 if smoke else 3):
        with transaction.atomic():
            started = time.perf_counter()
            flag(today)
            sql_s.append(time.perf_counter() - started)
            transaction.set_rollback(True)
        with transaction.atomic():
            reset_peak_rss()
            before = rss_mb()
            started = time.perf_counter()
            first = sweep(today=today)
            sweep_s.append(time.perf_counter() - started)
            peaks.append(peak_rss_mb())
            started = time.perf_counter()
            repeated = sweep(today=today)
            again_s.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    vacuum()
    certificates = Certificate.objects.count()
    row = latency(f"expiry sweep over {certificates} certificates", sweep_s)
    sql = latency("", sql_s)["median_ms"]
    row.update(
        seconds=round(row["median_ms"] / 1000, 2),
        peak_rss_mb=round(max(peaks), 1),
        rss_before_mb=round(before, 1),
        sql_median_ms=sql,
        ratio_to_sql=round(row["median_ms"] / sql, 2),
        occasions=first.announced,
        notifications=first.notifications,
        target="≤ 10 s, peak RSS ≤ 300 MB, ≤ 2 × SQL",
    )
    row["met"] = row["seconds"] <= 10 and max(peaks) <= 300 and row["ratio_to_sql"] <= 2
    daily = latency(f"expiry sweep repeated the same day ({certificates} certificates)", again_s)
    daily.update(
        seconds=round(daily["median_ms"] / 1000, 2),
        ratio_to_sql=round(daily["median_ms"] / sql, 2),
        notifications=repeated.notifications,
    )
    return [row, daily]
