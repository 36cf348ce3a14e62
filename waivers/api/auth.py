"""POST /api/v1/auth/token/: exchange a username and password for a new, expiring API token."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ..lockout import lockout_message, lockout_minutes
from ..services.tokens import issue_token


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    serializer_class = AuthTokenSerializer

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer(
            "IssuedToken",
            {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
        ),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Each sign-in issues a new token; the plain token is in this answer only. django-axes
        refuses a locked-out account or address inside authenticate(), which the serializer
        reports as bad credentials: the client is told it is locked out instead (429)."""
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                raise Throttled(wait=lockout_minutes() * 60, detail=lockout_message()) from None
            raise
        token, record = issue_token(user=serializer.validated_data["user"])
        return Response({"token": token, "expires_at": record.expires_at})
