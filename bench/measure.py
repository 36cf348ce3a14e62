"""Timing and memory helpers shared by the scenarios (each scenario runs in its own process)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class MissingEntryPoint(Exception):
    """A contract entry point the benchmark measures is not in the code base (yet)."""


def need(dotted: str) -> Any:
    """Import ``package.module.attribute`` or fail loudly, naming what is missing."""
    module_name, _, attribute = dotted.rpartition(".")
    try:
        module = __import__(module_name, fromlist=[attribute])
        return getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise MissingEntryPoint(f"{dotted} is missing ({type(exc).__name__}: {exc})") from exc


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: with few samples it reports a value that was really observed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def timings(fn: Callable[[], Any], *, repeat: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def latency(
    metric: str, samples: list[float], *, target: str = "", met: bool | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "metric": metric,
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p95_ms": round(percentile(samples, 95) * 1000, 2),
        "n": len(samples),
        "target": target,
        "met": met,
        **extra,
    }


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak_rss() -> None:
    """Reset this process's high-water mark (Linux ≥ 4.0), so a peak belongs to what follows."""
    Path("/proc/self/clear_refs").write_text("5")


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    return _status_kb("VmHWM") / 1024


def vacuum() -> None:
    """After rolled-back writes: their dead rows and cleared visibility maps would slow the
    index-only scans of the scenarios measured next (the queue's check filter took 55 ms, not 20)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
