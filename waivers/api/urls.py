"""REST API v1 (see docs/api.md)."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .auth import TokenView
from .cases import WaiverViewSet
from .catalogue import ProductViewSet, SiteViewSet
from .evidence import CertificateViewSet
from .impact import ImpactView
from .letters import VerifyLetterView
from .register import AuthorityViewSet

router = SimpleRouter()
router.register("authorities", AuthorityViewSet, basename="api-authority")
router.register("sites", SiteViewSet, basename="api-site")
router.register("products", ProductViewSet, basename="api-product")
router.register("certificates", CertificateViewSet, basename="api-certificate")
# Only explicit actions live under waivers/<id>/: waivers/<id>/batches/ is routed on its own.
router.register("waivers", WaiverViewSet, basename="api-waiver")


def not_found(request: HttpRequest) -> JsonResponse:
    """Any other path under /api/v1/ (e.g. a malformed id): a JSON 404, as clients expect."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("impact/", ImpactView.as_view(), name="api-impact"),
    path("waivers/<int:pk>/batches/", include("waivers.api.batches")),
    path("letters/verify/<str:code>/", VerifyLetterView.as_view(), name="api-verify-letter"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
    re_path(r"^", not_found),
]
