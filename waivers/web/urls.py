"""Web pages: sign-in, the landing page per role, and each audience's pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import account, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/tokens/", account.api_tokens, name="api_tokens"),
    path(
        "accounts/tokens/<int:token_id>/revoke/",
        account.revoke_api_token,
        name="revoke_api_token",
    ),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("applicant/", include("waivers.web.applicant.urls")),
    path("nra/", include("waivers.web.nra.urls")),
    path("batches/", include("waivers.web.batches.urls")),
    path("", include("waivers.web.documents.urls")),
]
