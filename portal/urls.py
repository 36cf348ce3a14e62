"""Project URL wiring: the web pages, the REST API, the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("waivers.api.urls")),
    path("", include("waivers.web.urls")),
]
