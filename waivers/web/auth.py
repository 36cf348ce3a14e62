"""The signed-in user of a web request: typed for the domain's signatures, loaded with what every
page shows of them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..lockout import lockout_message
from ..models import User


def signed_in(request: HttpRequest) -> User:
    """The user behind a request that passed login_required."""
    assert isinstance(request.user, User)
    return request.user


class UserWithAffiliation(ModelBackend):
    """Django's model backend, loading the signed-in user with the organisation or NRA that every
    page's navigation bar names: one query per request for the user, not two."""

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("organisation", "nra").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' answer to a sign-in it refused (AXES_LOCKOUT_CALLABLE): a page, not a 500."""
    return render(
        request, "registration/locked_out.html", {"message": lockout_message()}, status=429
    )
