"""The audit trail: verifying one long case (≤ 0.5 s) and the whole trail (2,000,000 entries
≤ 60 s), and appending an entry (≤ 1 ms more than before the case rows carried their anchors)."""

from __future__ import annotations

import os
import resource
import time
from typing import Any

from django.db import transaction
from django.db.models import Count

from bench.measure import latency, peak_rss_mb, reset_peak_rss, timings
from waivers.audit import entries_for, record, verify_all, verify_entries
from waivers.models import AuditEntry, WaiverRequest


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    longest = (
        AuditEntry.objects.values("waiver")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("waiver", "n")
        .first()
    )
    assert longest is not None, "no audit entries: was the data generated?"
    case = WaiverRequest.objects.get(pk=longest[0])

    def one_case() -> None:
        assert not list(verify_entries(case.reference, entries_for(case)))

    rows = [
        latency(
            f"audit: verify one case of {longest[1]} entries",
            timings(one_case, repeat=5 if smoke else 15),
            target="≤ 500 ms (1,000 entries)",
        )
    ]
    rows[0]["met"] = rows[0]["median_ms"] <= 500 if longest[1] >= 1000 else None

    rows.append(_append(case, longest[1], smoke=smoke))

    total = AuditEntry.objects.count()
    workers = os.cpu_count() or 1
    reset_peak_rss()
    started, cpu = time.perf_counter(), _cpu_seconds()
    verified = verify_all(workers=workers)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    breaks = verified.breaks
    assert not breaks, f"{len(breaks)} breaks in generated chains: {breaks[:3]}"
    assert verified.entries == total, f"verified {verified.entries} of {total} entries"
    rows.append(
        {
            "metric": f"audit: verify_all over {total} entries, {workers} processes",
            "seconds": round(seconds, 2),
            "entries_per_s": round(total / seconds),
            "cpu_s": round(cpu, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "target": "2,000,000 entries ≤ 60 s",
            "met": seconds <= 60 if total >= 1_900_000 else None,
        }
    )
    return rows


def _append(case: WaiverRequest, entries: int, *, smoke: bool) -> dict[str, Any]:
    """One entry appended as every change appends it, in its own transaction: the case row
    locked, the entry linked to the chain's end, MAC'd, stored and the case's anchor updated. The
    transaction is rolled back instead of committed, so the data set stays as generated and each
    append starts from the same chain."""

    def append_one() -> None:
        with transaction.atomic():
            locked = WaiverRequest.objects.select_for_update().get(pk=case.pk)
            record(locked, actor=None, action="edit", changes={"bench": {"old": 0, "new": 1}})
            transaction.set_rollback(True)

    samples = timings(append_one, repeat=50 if smoke else 200)
    return latency(
        f"audit: append one entry to a case of {entries} entries (rolled back)",
        samples,
        target="≤ 1 ms more than without the case's anchor (bench/README)",
    )


def _cpu_seconds() -> float:
    """CPU time of this process and of the verification processes it has waited for."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
