"""The expiry sweep over every certificate: ≤ 10 s, peak RSS ≤ 300 MB, ≤ 2 x one SQL statement.

The data set is left as a portal swept every day leaves it (``generate_load_data`` ends with the
sweep for the day before it was generated), so the target's row is that day's sweep: the daily
one, after yesterday's. A first-ever sweep, with the recorded sweeps and announcements deleted
first, is reported beside it as a reference, not as the target. Statement, daily sweep and
first-ever sweep alternate in one process, each inside a transaction that is rolled back, so every
run sees the same data and nothing it queues after commit is ever sent.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from bench.measure import latency, need, peak_rss_mb, reset_peak_rss, rss_mb, vacuum
from bench.sweep_sql import flag
from waivers.models import Announcement, Certificate, SweepRun


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    sweep = need("waivers.services.expiry.sweep")
    last = SweepRun.objects.first()
    today = last.day + timedelta(days=1) if last else timezone.now().date()
    daily_s, first_s, sql_s, daily_peaks, first_peaks = [], [], [], [], []
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
            daily = sweep(today=today)
            daily_s.append(time.perf_counter() - started)
            daily_peaks.append(peak_rss_mb())
            transaction.set_rollback(True)
        with transaction.atomic():
            SweepRun.objects.all().delete()
            Announcement.objects.all().delete()
            reset_peak_rss()
            started = time.perf_counter()
            first = sweep(today=today)
            first_s.append(time.perf_counter() - started)
            first_peaks.append(peak_rss_mb())
            transaction.set_rollback(True)
    vacuum()
    certificates = Certificate.objects.count()
    sql = latency("", sql_s)["median_ms"]
    row = latency(f"expiry sweep over {certificates} certificates, the day after the last", daily_s)
    row.update(
        seconds=round(row["median_ms"] / 1000, 2),
        peak_rss_mb=round(max(daily_peaks), 1),
        rss_before_mb=round(before, 1),
        sql_median_ms=sql,
        ratio_to_sql=round(row["median_ms"] / sql, 2),
        since=str(daily.since),
        cases_checked=daily.cases_checked,
        occasions=daily.announced,
        notifications=daily.notifications,
        target="≤ 10 s, peak RSS ≤ 300 MB, ≤ 2 × SQL",
    )
    row["met"] = row["seconds"] <= 10 and max(daily_peaks) <= 300 and row["ratio_to_sql"] <= 2
    reference = latency(
        f"reference, not the target: a first-ever sweep ({certificates} certificates)", first_s
    )
    reference.update(
        seconds=round(reference["median_ms"] / 1000, 2),
        peak_rss_mb=round(max(first_peaks), 1),
        ratio_to_sql=round(reference["median_ms"] / sql, 2),
        cases_checked=first.cases_checked,
        occasions=first.announced,
        notifications=first.notifications,
    )
    return [row, reference]
