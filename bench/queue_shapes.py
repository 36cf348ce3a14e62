"""The reviewer queue's query shapes, as page parameters and as the hand-written SQL a page needs.

The SQL is the floor a page can get near: the rows of one page (with applicant, product and
assignee joined in) plus the count its paginator needs. The page benchmark divides
its server time by this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from waivers.models import OPEN_STATES, User, WaiverRequest

PAGE_SIZE = 25
CLOCK = (
    "(COALESCE(w.decided_at, w.clock_paused_since, now()) - w.submitted_at)"
    " - make_interval(secs => w.clock_paused_seconds)"
)
# A deferred join: the page's ids first (from an index alone where the filters allow it, and from
# the nearer end of the order), then the 25 rows with everything they show; a deep page costs
# index entries, not joined rows.
ROWS = f"""
WITH page AS (
    SELECT w.id FROM waivers_waiverrequest w
     WHERE {{where}}
     ORDER BY {{read}}
     LIMIT %(limit)s OFFSET %(offset)s
)
SELECT w.id, w.reference, o.name, p.name, p.atmp_class, w.scope, w.state,
       u.first_name, u.last_name, w.submitted_at, {CLOCK} AS clock,
       w.check_status
  FROM page
  JOIN waivers_waiverrequest w ON w.id = page.id
  JOIN waivers_organisation o ON o.id = w.organisation_id
  JOIN waivers_product p ON p.id = w.product_id
  LEFT JOIN waivers_user u ON u.id = w.reviewer_id
 ORDER BY {{order}}
"""
COUNT = """SELECT count(*) FROM waivers_waiverrequest w WHERE {where}"""
STATE_COUNTS = """
SELECT w.state, count(*) FROM waivers_waiverrequest w
 WHERE w.authority_id = %(nra)s AND w.state = ANY(%(open)s) GROUP BY w.state
"""
# Each alternative indexable on its own (trigram index, or the foreign-key index fed an array of
# matching organisations or products), so PostgreSQL can OR three bitmap scans together.
SEARCH = """(
    upper(w.reference::text) LIKE upper(%(q)s)
    OR w.organisation_id = ANY(ARRAY(
        SELECT id FROM waivers_organisation WHERE upper(name::text) LIKE upper(%(q)s)))
    OR w.product_id = ANY(ARRAY(
        SELECT id FROM waivers_product WHERE upper(name::text) LIKE upper(%(q)s)))
)"""
ORDERS = {"age": "w.submitted_at, w.id", "clock": f"{CLOCK} DESC, w.id"}
BACKWARDS = {"age": "w.submitted_at DESC, w.id DESC", "clock": f"{CLOCK}, w.id DESC"}


@dataclass
class Shape:
    name: str
    params: dict[str, str] = field(default_factory=dict)
    where: list[str] = field(default_factory=list)
    #: A page past the first: "middle" (the most a page skips) or "last full", the last page of
    #: 25 rows (the very last may hold one row at one size and 24 at another).
    deep: str = ""

    def page_number(self, count: int) -> int:
        full = max(1, count // PAGE_SIZE)
        return {"": 1, "middle": (full + 1) // 2, "last full": full}[self.deep]

    def sql_params(
        self, context: dict[str, Any], *, backwards: bool = False
    ) -> tuple[str, str, dict[str, Any]]:
        where = " AND ".join(["w.authority_id = %(nra)s", "w.state = ANY(%(states)s)", *self.where])
        sort = self.params.get("sort", "age")
        read = (BACKWARDS if backwards else ORDERS)[sort]
        values = dict(context)
        if "state" in self.params:
            values["states"] = [self.params["state"]]
        return (
            ROWS.format(where=where, order=ORDERS[sort], read=read),
            COUNT.format(where=where),
            values,
        )


def shapes(reviewer: User) -> list[Shape]:
    """Filters, sorts, search by reference/applicant/product, a first and a deep page."""
    open_cases = WaiverRequest.objects.filter(
        authority_id=reviewer.nra_id, state__in=OPEN_STATES
    ).select_related("organisation", "product")
    sample = open_cases.order_by("pk")[min(100, open_cases.count() - 1)]
    applicant = " ".join(sample.organisation.name.split()[:2])
    product = sample.product.name[:8]
    return [
        Shape("first page, age"),
        Shape("sort by clock", {"sort": "clock"}),
        Shape("state under review", {"state": "under_review"}),
        Shape("scope import testing", {"scope": "import_testing"}, ["w.scope = 'import_testing'"]),
        Shape("assigned to me", {"assignee": "mine"}, ["w.reviewer_id = %(me)s"]),
        Shape("unassigned", {"assignee": "unassigned"}, ["w.reviewer_id IS NULL"]),
        Shape(
            "check status fail",
            {"check_status": "fail"},
            ["w.check_status = 'fail'"],
        ),
        Shape("overdue", {"overdue": "yes"}, [f"{CLOCK} > make_interval(days => %(target_days)s)"]),
        Shape("deep page (middle)", deep="middle"),
        Shape("deep page (last full)", deep="last full"),
        Shape(
            "search reference",
            {"q": sample.reference},
            [SEARCH],
        ),
        Shape(
            "search applicant",
            {"q": applicant},
            [SEARCH],
        ),
        Shape(
            "search product",
            {"q": product},
            [SEARCH],
        ),
    ]


def context(reviewer: User) -> dict[str, Any]:
    policy = reviewer.nra.policy
    return {
        "nra": reviewer.nra_id,
        "me": reviewer.pk,
        "states": [str(s) for s in OPEN_STATES],
        "open": [str(s) for s in OPEN_STATES],
        "target_days": policy.target_review_days,
        "offset": 0,
        "limit": PAGE_SIZE,
    }


def run_sql(shape: Shape, ctx: dict[str, Any]) -> tuple[int, int]:
    """Run the count and the page rows as a page would; return (count, rows fetched).

    A page past the middle is read backwards from the end, skipping what follows it."""
    _, count_sql, values = shape.sql_params(ctx)
    if "q" in shape.params:
        values["q"] = f"%{shape.params['q']}%"
    with connection.cursor() as cursor:
        cursor.execute(count_sql, values)
        (count,) = cursor.fetchone()
        bottom = (shape.page_number(count) - 1) * PAGE_SIZE
        top = min(count, bottom + PAGE_SIZE)
        backwards = bottom > count - top
        rows_sql, _, _ = shape.sql_params(ctx, backwards=backwards)
        values["offset"] = count - top if backwards else bottom
        values["limit"] = top - bottom
        cursor.execute(rows_sql, values)
        fetched = len(cursor.fetchall())
    return count, fetched
