"""The signed-in user of a web request, typed for the domain's signatures."""

from __future__ import annotations

from django.http import HttpRequest

from ..models import User


def signed_in(request: HttpRequest) -> User:
    """The user behind a request that passed login_required."""
    assert isinstance(request.user, User)
    return request.user
