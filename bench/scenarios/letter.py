"""Decision letter rendering: median ≤ 1 s per letter, peak RSS ≤ 300 MB."""

from __future__ import annotations

from typing import Any

from bench.measure import latency, need, peak_rss_mb, reset_peak_rss, timings
from waivers.models import State, WaiverRequest


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    render = need("waivers.letters.render_decision_letter")
    cases = list(
        WaiverRequest.objects.filter(
            state__in=[State.APPROVED, State.PARTIALLY_APPROVED, State.REJECTED],
            authority__staff__username="bench-reviewer",
            signatures__isnull=False,
        ).order_by("pk")[:5]
    )
    assert cases, "no decided case with a signature: was the data generated?"
    reset_peak_rss()
    pdf = render(cases[0])
    assert pdf[:5] == b"%PDF-", "render_decision_letter did not return a PDF"
    turn = iter(range(10**6))
    samples = timings(
        lambda: render(cases[next(turn) % len(cases)]), repeat=2 if smoke else 10, warmup=0
    )
    row = latency("decision letter: render one", samples, target="median ≤ 1 s, peak RSS ≤ 300 MB")
    row["peak_rss_mb"] = round(peak_rss_mb(), 1)
    row["met"] = row["median_ms"] <= 1000 and row["peak_rss_mb"] <= 300
    return [row]
