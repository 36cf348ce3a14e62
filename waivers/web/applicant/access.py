"""The gate at the top of every applicant page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from ...models import Role, User


class ApplicantRequest(HttpRequest):
    """A request that passed :func:`applicant_required`: its user is a signed-in applicant."""

    user: User


def applicant_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in, and staff of an applicant organisation; anyone else is refused (403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if (
            getattr(user, "role", None) != Role.APPLICANT
            or getattr(user, "organisation_id", None) is None
        ):
            raise PermissionDenied("These pages are for applicants.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)
