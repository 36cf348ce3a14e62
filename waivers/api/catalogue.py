"""/api/v1/sites/ and /api/v1/products/: an applicant organisation's manufacturing sites and
products (NRA staff read those used by the cases addressed to them)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.serializers import BaseSerializer, ModelSerializer

from .. import access
from ..models import Product, Site
from ..services.catalogue import save_entry
from .permissions import ApplicantWrites, signed_in, viewer
from .serializers import ProductSerializer, SiteSerializer


class _OrganisationCatalogue(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, ApplicantWrites]
    lookup_value_regex = "[^/]+"  # a malformed id is a JSON 404 from the view, not a routing miss
    parser_classes = [JSONParser]

    def perform_create(self, serializer: BaseSerializer) -> None:
        assert isinstance(serializer, ModelSerializer)
        model: Any = serializer.Meta.model
        serializer.instance = save_entry(
            user=signed_in(self.request), entry=model(**serializer.validated_data)
        )


@extend_schema_view(
    list=extend_schema(summary="Manufacturing sites you may see"),
    retrieve=extend_schema(summary="One manufacturing site"),
    create=extend_schema(summary="Add a manufacturing site to your organisation"),
)
class SiteViewSet(_OrganisationCatalogue):
    """Manufacturing sites of applicant organisations."""

    serializer_class = SiteSerializer

    def get_queryset(self) -> QuerySet[Site]:
        return access.sites_for(viewer(self.request)).order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary="Products you may see"),
    retrieve=extend_schema(summary="One product"),
    create=extend_schema(summary="Add a product to your organisation"),
)
class ProductViewSet(_OrganisationCatalogue):
    """Products (ATMPs and traditional medicines) of applicant organisations."""

    serializer_class = ProductSerializer

    def get_queryset(self) -> QuerySet[Product]:
        return access.products_for(viewer(self.request)).order_by("name", "pk")
