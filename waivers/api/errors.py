"""The one place where errors become API responses (see docs/api.md, Conventions).

Domain refusals are 4xx with their message. Anything else is still JSON: a database that stopped
answering (a dropped connection, a failover) is 503 with ``Retry-After``, and any other failure a
500 ``{"detail": ...}``, logged with its traceback. ``server_error`` does the same for a failure
outside DRF's views (a middleware) on an API path; other paths keep the HTML error page.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.log import log_response
from django.views import defaults
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from ..errors import DomainError, EvidenceIncomplete, InvalidInput, StaleCase, TransitionNotAllowed

API_PREFIX = "/api/"
#: The database went away under the request: worth retrying shortly.
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def failure(exc: BaseException | None) -> tuple[int, dict[str, str], dict[str, str]]:
    """Status, body and headers for an exception no handler expected."""
    if isinstance(exc, UNAVAILABLE):
        return (
            503,
            {
                "detail": "The database did not answer. Try again shortly; a POST sent with an "
                "Idempotency-Key is answered once however often it is retried."
            },
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return 500, {"detail": "Something went wrong on our side; it has been logged."}, {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, InvalidInput):
        return Response(exc.errors, status=400)
    if isinstance(exc, EvidenceIncomplete):
        return Response({"detail": exc.message, "reasons": exc.reasons}, status=400)
    if isinstance(exc, TransitionNotAllowed | StaleCase):
        return Response({"detail": exc.message, "state": exc.state}, status=409)
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    set_rollback()
    status, body, headers = failure(exc)
    response = Response(body, status=status, headers=headers)
    request = context["request"]
    log_response(
        "%s: %s",
        response.reason_phrase,
        request.path,
        response=response,
        request=request._request,
        exception=exc,
    )
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: JSON under /api/, the HTML page elsewhere."""
    if not request.path_info.startswith(API_PREFIX):
        return defaults.server_error(request)
    status, body, headers = failure(sys.exc_info()[1])
    return JsonResponse(body, status=status, headers=headers)
