"""Hand-written SQL and custom lookups, each here because the ORM's own way measured too slow.

Every piece says what it replaces and what was measured (bench/README.md has the figures). Each
has a portable fallback or dialect for the embedded default's SQLite, and tests hold the
results to what the ORM would give.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import connection, connections, router
from django.db.models import F, FloatField, Func, Lookup, ManyToManyField
from django.db.models.lookups import In

from .models import WaiverRequest

# --- the expiry sweep (services.expiry) ---------------------------------------------------------


class AnyOf(Lookup):  # type: ignore[type-arg]
    """``column IN ids``, sent to PostgreSQL as ``column = ANY(%s)`` with one array parameter:
    2,000 ids then cost one value to quote, not 2,000 placeholders to build and fill. Other
    databases get the ``IN`` list."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, params = compiler.compile(self.lhs)
        array = f"{self.lhs.output_field.db_type(connection)}[]"
        return f"{lhs} = ANY(%s::{array})", (*params, list(self.rhs))


def among(column: str, ids: list[int]) -> AnyOf:
    """The rows whose ``column`` is one of ``ids``."""
    return AnyOf(F(column), ids)


#: The announcements of a chunk in one statement from three arrays: a quarter of the cost of
#: bulk_create, which builds a model instance per row (90,000 rows in a first national sweep).
RECORD_ANNOUNCEMENTS = """
INSERT INTO waivers_announcement (waiver_id, occasion, key, announced_at)
SELECT waiver_id, occasion, key, %s
  FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS t(waiver_id, occasion, key)
"""


def insert_columns(
    statement: str, at: datetime, rows: list[tuple[Any, ...]], elsewhere: Callable[[], Any]
) -> None:
    """Insert ``rows`` with ``statement`` on PostgreSQL (the time, then one array per column),
    or with ``elsewhere`` (a bulk_create) on the embedded default's SQLite."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        elsewhere()
        return
    with connection.cursor() as cursor:
        cursor.execute(statement, [at, *(list(column) for column in zip(*rows, strict=True))])


#: The changed validity results of a chunk in one statement from three arrays, as announcements
#: are recorded: ``bulk_create`` builds a model instance and placeholders for every row.
STORE_VALIDITY = """
INSERT INTO waivers_checkresult (waiver_id, check_name, status, detail, ran_at)
SELECT waiver_id, 'validity', status, detail, %s
  FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS t(waiver_id, status, detail)
ON CONFLICT (waiver_id, check_name)
DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail, ran_at = EXCLUDED.ran_at
"""


# --- the API's case list (api.serializers) ------------------------------------------------------


LINKS = ("sites", "certificates")


@functools.cache
def _numbered_links(connection_alias: str) -> str:
    """One statement giving (relation, case id, place in the related model's own ``ordering``,
    linked id) for the cases in ``%(ids)s``, for both relations, built from the models' meta.

    Hand-written rather than two ORM querysets: compiling those cost more CPU than the page's
    other queries together (bench/README.md, "API list: second round")."""
    quote = connections[connection_alias].ops.quote_name
    parts = []
    for kind, name in enumerate(LINKS):
        field = WaiverRequest._meta.get_field(name)
        assert isinstance(field, ManyToManyField)
        related: Any = field.related_model
        through: Any = field.remote_field.through
        case = quote(through._meta.get_field(field.m2m_field_name()).column)
        linked = quote(through._meta.get_field(field.m2m_reverse_field_name()).column)
        order = [
            f"r.{quote(related._meta.get_field(key.lstrip('-')).column)}"
            + (" DESC" if key.startswith("-") else "")
            for key in related._meta.ordering
        ]
        parts.append(
            f"SELECT {kind}, l.{case}, ROW_NUMBER() OVER "
            f"(PARTITION BY l.{case} ORDER BY {', '.join([*order, f'l.{linked}'])}), l.{linked} "
            f"FROM {quote(through._meta.db_table)} l "
            f"JOIN {quote(related._meta.db_table)} r ON r.{quote(related._meta.pk.column)} = l.{linked} "
            f"WHERE l.{case} IN (%(ids)s)"
        )
    return " UNION ALL ".join(parts)


def linked_ids(cases: Iterable[WaiverRequest]) -> dict[int, dict[str, list[int]]]:
    """Each case's site and certificate ids, in the order of the models' own ``ordering`` (as
    ``case.sites.all()`` gives them): one query for any number of cases, and no Site or
    Certificate object built."""
    ids: dict[int, dict[str, list[int]]] = {case.pk: {name: [] for name in LINKS} for case in cases}
    if not ids:
        return ids
    alias = router.db_for_read(WaiverRequest)
    sql = _numbered_links(alias) % {"ids": ", ".join(["%s"] * len(ids))}
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, list(ids) * len(LINKS))
        rows = cursor.fetchall()
    for kind, case_id, _, linked_id in sorted(rows):
        ids[case_id][LINKS[kind]].append(linked_id)
    return ids


# --- the NRA queue's clock (selectors.nra) ------------------------------------------------------


class EpochSeconds(Func):
    """Seconds since 1970 of a date-time column, in each database's own dialect."""

    output_field = FloatField()

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        raise NotImplementedError(f"EpochSeconds does not support {connection.vendor}.")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # date_part gives double precision directly; EXTRACT gives numeric (PostgreSQL ≥ 14),
        # which costs twice as much over the 17,600 open cases a clock sort reads.
        template = "date_part('epoch', %(expressions)s)"
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return super().as_sql(compiler, connection, template=template, **extra)
