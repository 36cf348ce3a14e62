"""Page numbers over lists of tens of thousands of cases (bench/README.md, "API list: fix")."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from .. import access, case_counts
from ..selectors.paging import IdsFirstPaginator
from .filters import count_filters


class CaseListPagination(PageNumberPagination):
    """DRF's page numbers, with a deep page's ids read before its rows (IdsFirstPaginator) and
    the count kept per visible scope and filters until a case changes (waivers.case_counts)."""

    def paginate_queryset(
        self, queryset: QuerySet[Any, Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        assert isinstance(queryset, QuerySet)  # the cases, filtered and ordered
        counted = partial(
            case_counts.count,
            queryset,
            scope=access.case_scope(request.user),
            filters=count_filters(request.query_params, page_param=self.page_query_param),
        )
        self.django_paginator_class = partial(IdsFirstPaginator, counted=counted)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)
