"""The gate at the top of every applicant page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from ...models import Role


def applicant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and staff of an applicant organisation; anyone else is refused (403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.role != Role.APPLICANT or user.organisation_id is None:
            raise PermissionDenied("These pages are for applicants.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)
