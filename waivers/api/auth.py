"""POST /api/v1/auth/token/: exchange a username and password (and, for an account with
two-factor sign-in, a current code) for a new, expiring API token."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ..errors import CodeRefused
from ..lockout import lockout_message, lockout_minutes
from ..services import two_factor
from ..services.tokens import issue_token


class TokenRequest(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False,
        write_only=True,
        help_text="For an account with two-factor sign-in: the current code from its "
        "authenticator app, or one of its recovery codes.",
    )


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    serializer_class = TokenRequest

    @extend_schema(
        request=TokenRequest,
        responses=inline_serializer(
            "IssuedToken",
            {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
        ),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Each sign-in issues a new token; the plain token is in this answer only. django-axes
        refuses a locked-out account or address inside authenticate(), which the serializer
        reports as bad credentials: the client is told it is locked out instead (429). An account
        with an authenticator also needs ``otp``, throttled as on the web (429 while it waits); an
        account whose role requires one and has none is refused (403) until it sets one up."""
        serializer = TokenRequest(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                raise Throttled(wait=lockout_minutes() * 60, detail=lockout_message()) from None
            raise
        user = serializer.validated_data["user"]
        step = two_factor.step_after_password(user)
        if step == "enrol":
            # The password alone must not open the API to a role that may not use it alone.
            raise PermissionDenied(
                "This account must use two-factor sign-in: sign in on the web once to set up an "
                "authenticator app, then request a token with its current code as otp."
            )
        if step == "code":
            otp = serializer.validated_data.get("otp", "")
            if not otp:
                raise ValidationError(
                    {
                        "otp": [
                            "This account uses two-factor sign-in: send the current code from "
                            "its authenticator app (or a recovery code) as otp."
                        ]
                    }
                )
            try:
                two_factor.verify_second_factor(user=user, code=otp, purpose="request an API token")
            except CodeRefused as refused:
                if refused.retry_after:
                    raise Throttled(wait=refused.retry_after, detail=refused.message) from None
                raise ValidationError({"otp": [refused.message]}) from None
        token, record = issue_token(user=user)
        return Response({"token": token, "expires_at": record.expires_at})
