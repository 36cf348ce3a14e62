"""POST /api/v1/auth/token/: exchange a username and password for an API token."""

from typing import Any

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from ..lockout import lockout_message, lockout_minutes


class TokenView(ObtainAuthToken):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """django-axes refuses a locked-out account or address inside authenticate(), which DRF
        reports as bad credentials: the client is told it is locked out instead (429)."""
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                raise Throttled(wait=lockout_minutes() * 60, detail=lockout_message()) from None
            raise
