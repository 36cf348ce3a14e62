"""The one place where domain errors become API responses (see docs/api.md, Conventions)."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import DomainError, EvidenceIncomplete, InvalidInput, StaleCase, TransitionNotAllowed


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, InvalidInput):
        return Response(exc.errors, status=400)
    if isinstance(exc, EvidenceIncomplete):
        return Response({"detail": exc.message, "reasons": exc.reasons}, status=400)
    if isinstance(exc, TransitionNotAllowed | StaleCase):
        return Response({"detail": exc.message, "state": exc.state}, status=409)
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status)
    return drf_exception_handler(exc, context)
