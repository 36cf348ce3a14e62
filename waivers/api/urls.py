"""REST API v1 (see ../shared/API.md)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .auth import TokenView
from .impact import ImpactView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("impact/", ImpactView.as_view(), name="api-impact"),
    path("waivers/<int:pk>/batches/", include("waivers.api.batches")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
