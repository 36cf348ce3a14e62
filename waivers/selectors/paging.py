"""Pages of a large list fetched the way an index can serve them: ids first, then the page's rows.

``LIMIT/OFFSET`` over a query that joins and annotates makes PostgreSQL build every skipped row
before throwing it away, so a deep page costs as much as all the pages before it. Paging the ids
alone (from an index where the filters allow it) and then loading only those rows keeps every page
as cheap as the first; the count, too, runs over the bare ids, without the joins and annotations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def deferred_page(
    qs: QuerySet[M],
    number: int | str | None,
    per_page: int,
    columns: Callable[[QuerySet[M]], QuerySet[M]] = lambda rows: rows,
) -> Page:
    """Page ``number`` of ``qs`` (clamped as Paginator.get_page does), rows in ``qs``'s order.

    ``qs`` filters and sorts; ``columns`` adds what each row shows (joins, annotations) to the
    query that loads the page's rows only.
    """
    page = Paginator(qs.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = columns(qs.model._default_manager.all()).in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids]
    return page
