"""The expiry sweep over every certificate: ≤ 10 s, peak RSS ≤ 300 MB, ≤ 2 x one SQL statement.

Sweep and statement alternate in one process, each inside a transaction that is rolled back, so
every run sees the same data and nothing it queues after commit is ever sent.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench.measure import latency, need, peak_rss_mb, reset_peak_rss, rss_mb
from bench.sweep_sql import flag
from waivers.models import Certificate


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    sweep = need("waivers.services.expiry.sweep")
    # As in production: with DEBUG on, Django keeps the text of the last 9,000 statements, and
    # the sweep's notification inserts carry every rendered body (1.4 GB of the peak, not 0.2).
    settings.DEBUG = False
    today = timezone.now().date()
    sweep_s, sql_s, peaks = [], [], []
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
            sweep(today=today)
            sweep_s.append(time.perf_counter() - started)
            peaks.append(peak_rss_mb())
            transaction.set_rollback(True)
    # The rolled-back rounds leave dead rows and cleared visibility maps behind, which would slow
    # the index-only scans of the scenarios measured after this one.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    row = latency(f"expiry sweep over {Certificate.objects.count()} certificates", sweep_s)
    sql = latency("", sql_s)["median_ms"]
    row.update(
        seconds=round(row["median_ms"] / 1000, 2),
        peak_rss_mb=round(max(peaks), 1),
        rss_before_mb=round(before, 1),
        sql_median_ms=sql,
        ratio_to_sql=round(row["median_ms"] / sql, 2),
        target="≤ 10 s, peak RSS ≤ 300 MB, ≤ 2 × SQL",
    )
    row["met"] = row["seconds"] <= 10 and max(peaks) <= 300 and row["ratio_to_sql"] <= 2
    return [row]
