"""Query filters of the list endpoints (django-filter); invalid values are a 400 naming the filter."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request
from rest_framework.views import APIView

from ..models import Authority, Scheme, Scope, State, WaiverRequest


class AuthorityFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", max_length=32)
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact", max_length=2)
    scheme = django_filters.ChoiceFilter(
        choices=Scheme.choices, method="filter_scheme", help_text="Recognised under this scheme."
    )
    mature_on = django_filters.DateFilter(
        method="filter_mature_on",
        help_text="Holding a recognition in force on this date (under `scheme`, if given).",
    )
    receives_requests = django_filters.BooleanFilter()

    class Meta:
        model = Authority
        fields = ["code", "country", "scheme", "mature_on", "receives_requests"]

    def filter_scheme(self, qs: QuerySet[Authority], name: str, value: str) -> QuerySet[Authority]:
        if self.form.cleaned_data.get("mature_on"):
            return qs  # applied together with the date in filter_mature_on
        return qs.filter(pk__in=Authority.objects.filter(recognitions__scheme=value).values("pk"))

    def filter_mature_on(
        self, qs: QuerySet[Authority], name: str, value: date
    ) -> QuerySet[Authority]:
        scheme = self.form.cleaned_data.get("scheme")
        return qs & Authority.objects.recognised_on(value, [scheme] if scheme else None)


#: WaiverFilter's filters on the case's own columns (tests/api/test_case_count.py holds them to it).
CASE_COLUMN_FILTERS = ("state", "scope", "authority")


class WaiverFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices)
    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    authority = django_filters.NumberFilter(
        field_name="authority_id", min_value=1, max_value=2**31 - 1
    )
    q = django_filters.CharFilter(
        method="search",
        max_length=200,
        help_text="Words in the reference, product, organisation or justification.",
    )

    class Meta:
        model = WaiverRequest
        fields = ["state", "scope", "authority", "q"]

    def search(self, qs: QuerySet[WaiverRequest], name: str, value: str) -> QuerySet[WaiverRequest]:
        for word in value.split():
            qs = qs.filter(
                Q(reference__icontains=word)
                | Q(product__name__icontains=word)
                | Q(organisation__name__icontains=word)
                | Q(justification__icontains=word)
            )
        return qs


def count_filters(params: QueryDict, *, page_param: str) -> str | None:
    """The list's filters as a canonical text when all are on the case's own columns (a count
    under them changes only with a case: waivers.case_counts), else None. ``q`` is not: it also
    reads product and organisation names."""
    given = sorted(
        (name, value) for name in params if name != page_param for value in params.getlist(name)
    )
    if any(name not in CASE_COLUMN_FILTERS for name, _ in given):
        return None
    return urlencode(given)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, building no filter set for a request without query parameters
    (nothing to filter): a filter set deep-copies its filters and validates a form each time,
    0.4 ms of every plain list request."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        if not request.query_params:
            return queryset
        return super().filter_queryset(request, queryset, view)
