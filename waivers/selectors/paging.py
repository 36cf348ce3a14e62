"""Pages of a large list fetched the way an index can serve them: ids first, then the page's rows.

``LIMIT/OFFSET`` over a query that joins and annotates makes PostgreSQL build every skipped row
before throwing it away, so a deep page costs as much as all the pages before it. Past the first
page, the page's ids are read alone (from an index where the filters allow it) and only those rows
are then loaded; the count, too, runs over the bare filtered list, without the rows' joins and
annotations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


def _unchanged(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows


class IdsFirstPaginator(Paginator):
    """Pages ``object_list`` (its filters and order); ``columns`` adds what each row shows.

    ``columns`` (joins, annotations) is applied to the query that loads one page's rows only,
    never to the count or to the rows a page skips or sorts past. ``counted`` gives the count
    (``object_list.count`` unless told otherwise, e.g. a cached count: waivers.case_counts).

    The order must be total (end with the primary key), so that read from either end a page
    holds the same rows; anything else is refused.
    """

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *args: Any,
        columns: Callable[[QuerySet[Any]], QuerySet[Any]] = _unchanged,
        counted: Callable[[], int] | None = None,
        **kwargs: Any,
    ) -> None:
        if object_list.query.order_by[-1:] not in (("pk",), ("-pk",)):
            raise ValueError("IdsFirstPaginator needs an order that ends with 'pk' or '-pk'.")
        super().__init__(object_list, per_page, *args, **kwargs)
        self.columns = columns
        self.counted = counted or object_list.count

    @cached_property
    def count(self) -> int:
        return self.counted()

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        listed = cast(QuerySet[Any], self.object_list)
        rows = self.columns(listed)
        # Past the first page, and on every page of a list with row columns: a sort may need all
        # the filtered rows (the queue's clock), and joining all of them to keep 25 costs more
        # than reading the ids first.
        if bottom or self.columns is not _unchanged:
            rows = rows.filter(pk__in=self._ids(listed, bottom, top))
        else:
            rows = rows[:top]
        return Page(rows, number, self)

    def _ids(self, listed: QuerySet[Any], bottom: int, top: int) -> list[Any]:
        """The ids of rows ``bottom`` to ``top``, read from whichever end of the order is nearer.
        (Their order does not matter: the rows query orders them.)"""
        ids = listed.values_list("pk", flat=True)
        if bottom > self.count - top:
            return list(ids.reverse()[self.count - top : self.count - bottom])
        return list(ids[bottom:top])
