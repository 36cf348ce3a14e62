"""Web pages: sign-in, the landing page per role, and each audience's pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("applicant/", include("waivers.web.applicant.urls")),
    path("nra/", include("waivers.web.nra.urls")),
    path("batches/", include("waivers.web.batches.urls")),
    path("", include("waivers.web.documents.urls")),
]
