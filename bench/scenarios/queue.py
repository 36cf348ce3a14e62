"""The reviewer queue page (``GET /nra/queue/``) against the raw SQL that fetches its rows.

Targets at 100,000 cases: median ≤ 50 ms and p95 ≤ 150 ms server time; ≤ 3 x the raw SQL;
the same number of queries at every size (compared across sizes by bench/run.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.measure import MissingEntryPoint, latency, need, timings
from bench.queue_shapes import Shape, context, run_sql, shapes
from waivers.models import User

SEARCHES = ("search reference", "search applicant", "search product")


def page_params(shape: Shape, queue: Callable[..., Any], reviewer: User) -> dict[str, str]:
    """The shape's query string; a deep page is numbered from the queue's own count."""
    params = dict(shape.params)
    if shape.deep:
        params["page"] = str(shape.page_number(queue(user=reviewer).count()))
    return params


def measure_shapes(
    *, smoke: bool, names: set[str] | None, prefix: str, target: str, limit_ms: float
) -> list[dict[str, Any]]:
    queue = need("waivers.selectors.nra.queue")
    reviewer = User.objects.select_related("nra__policy").get(username="bench-reviewer")
    ctx = context(reviewer)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(reviewer)
    rows = []
    for shape in shapes(reviewer):
        if names is not None and shape.name not in names:
            continue
        params = page_params(shape, queue, reviewer)
        refused = need("waivers.web.nra.forms.QueueFilterForm")(params).errors
        if refused:  # the page would drop every filter and measure the plain queue instead
            raise MissingEntryPoint(f"the queue refuses {shape.name}'s filters: {refused}")
        response = client.get("/nra/queue/", params)
        # Counted on a repeat visit, as the timings are: the counts a visit keeps for the next
        # (waivers.case_counts) are not taken again. The debug query log is capped (9,000
        # entries); once full, a capture counts nothing.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get("/nra/queue/", params)
        # Counted now: the capture slices the connection's log, which each later request clears.
        count = len(queries)
        if response.status_code != 200:
            raise MissingEntryPoint(
                f"GET /nra/queue/?{response.request['QUERY_STRING']} answered "
                f"{response.status_code}, not 200"
            )
        repeat = 5 if smoke else 21
        page = timings(lambda params=params: client.get("/nra/queue/", params), repeat=repeat)
        sql = timings(lambda shape=shape: run_sql(shape, ctx), repeat=repeat)
        row = latency(f"{prefix}: {shape.name}", page, target=target, queries=count)
        sql_median = latency("", sql)["median_ms"]
        row["sql_median_ms"] = sql_median
        row["ratio_to_sql"] = round(row["median_ms"] / sql_median, 2)
        row["met"] = (
            row["median_ms"] <= limit_ms and row["p95_ms"] <= 150 and row["ratio_to_sql"] <= 3
        )
        rows.append(row)
    if names is None:
        # What any signed-in page costs here (session, user, middleware, the base template and
        # its navigation): the part of the queue's time that no query can make cheaper.
        floor = timings(lambda: client.get("/notifications/"), repeat=5 if smoke else 21)
        rows.append(latency(f"{prefix}: floor, any signed-in page", floor))
    return rows


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    return measure_shapes(
        smoke=smoke,
        names=None,
        prefix="queue page",
        target="median ≤ 50 ms, p95 ≤ 150 ms, ≤ 3 × SQL",
        limit_ms=50,
    )
