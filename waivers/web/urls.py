"""Web pages: sign-in, the landing page per role, and each audience's pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import account, two_factor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", two_factor.SignIn.as_view(), name="login"),
    path("accounts/login/code/", two_factor.code_step, name="two_factor_code"),
    path("accounts/two-factor/", two_factor.account, name="two_factor"),
    path("accounts/two-factor/set-up/", two_factor.enrol, name="two_factor_enrol"),
    path(
        "accounts/two-factor/recovery-codes/",
        two_factor.new_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("accounts/two-factor/remove/", two_factor.remove, name="two_factor_remove"),
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
