"""Page numbers over lists of tens of thousands of cases (bench/README.md, "API list: fix").

Past the first page, the page's ids are read first and its rows then fetched by id: the rows the
page skips are walked in the list's index alone (an index-only scan) instead of being read from
the table (and, without a matching index, sorted) only to be thrown away.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


class IdsFirstPaginator(Paginator):
    def page(self, number: Any) -> Page:
        page = super().page(number)
        if page.number > 1:
            ids = cast(QuerySet, page.object_list).values_list("pk", flat=True)
            page.object_list = cast(QuerySet, self.object_list).filter(pk__in=list(ids))
        return page


class IdsFirstPagination(PageNumberPagination):
    django_paginator_class = IdsFirstPaginator
