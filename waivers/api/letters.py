"""GET /api/v1/letters/verify/{code}/: anyone may check a document's verification code."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ..letters import verify
from .serializers import NotVerifiedSerializer, VerificationSerializer

MAX_CODE_LENGTH = 64


class VerifyLetterView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "verify"

    @extend_schema(
        summary="Whether a decision letter (or batch acknowledgement) was issued under this code",
        responses={200: VerificationSerializer, 404: NotVerifiedSerializer},
        auth=[],
    )
    def get(self, request: Request, code: str) -> Response:
        found = verify(code) if len(code) <= MAX_CODE_LENGTH else None
        if found is None:
            return Response(
                {"valid": False, "detail": "No document was issued under this verification code."},
                status=404,
            )
        return Response(VerificationSerializer({"valid": True, **asdict(found)}).data)
