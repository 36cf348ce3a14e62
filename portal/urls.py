"""Project URL wiring: the web pages, the REST API, the admin."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The admin's own login would open a session on the password alone: it signs in through
    the portal's sign-in, with its second factor, instead."""
    return redirect_to_login(request.GET.get("next", "/admin/"))


urlpatterns = [
    path("admin/login/", admin_sign_in),
    path("admin/", admin.site.urls),
    path("api/v1/", include("waivers.api.urls")),
    path("", include("waivers.web.urls")),
]

# A failure outside DRF's own handling: JSON under /api/, the HTML page elsewhere.
handler500 = "waivers.api.errors.server_error"
