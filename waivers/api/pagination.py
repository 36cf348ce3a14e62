"""Page numbers over lists of tens of thousands of cases (bench/README.md, "API list: fix")."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination

from ..selectors.paging import IdsFirstPaginator


class IdsFirstPagination(PageNumberPagination):
    """DRF's page numbers, with a deep page's ids read before its rows (IdsFirstPaginator)."""

    django_paginator_class = IdsFirstPaginator
