"""/api/v1/authorities/: the authority register, read by everyone signed in, kept by its admin."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated

from ..models import Authority
from .filters import AuthorityFilter
from .permissions import RegisterAdminWrites
from .serializers import AuthoritySerializer


@extend_schema_view(
    list=extend_schema(summary="Authorities of the register, with their recognitions"),
    retrieve=extend_schema(summary="One authority"),
    create=extend_schema(summary="Register an authority (authority admin)"),
    partial_update=extend_schema(
        summary="Change an authority (authority admin); `recognitions` replaces them all"
    ),
)
class AuthorityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The register of regulatory authorities and their recognitions."""

    lookup_value_regex = "[^/]+"  # a malformed id is a JSON 404 from the view, not a routing miss
    queryset = Authority.objects.prefetch_related("recognitions").order_by("code")
    serializer_class = AuthoritySerializer
    permission_classes = [IsAuthenticated, RegisterAdminWrites]
    parser_classes = [JSONParser]
    filterset_class = AuthorityFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
