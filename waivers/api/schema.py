"""The OpenAPI schema's error responses: every operation documents the errors it can answer.

drf-spectacular describes the successes; this adds the conventional errors of docs/api.md so that the
schema is truthful about them (and schemathesis can hold the server to it).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny

from .idempotency import HEADER, MAX_KEY_LENGTH
from .serializers import ErrorSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        f"Any unique string (1 to {MAX_KEY_LENGTH} characters, e.g. a UUID): a retry with the "
        "same key and body is answered with the first successful answer and done only once."
    ),
)


class PortalAutoSchema(AutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _error_codes(self) -> list[int]:
        codes = [429, 503]  # 503: the database did not answer; retry
        if self.method == "POST":
            codes.append(422)  # an Idempotency-Key first sent with another request
        anonymous = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not anonymous:
            codes += [401, 403]
        if self.method != "GET" or self._is_list_view():
            codes.append(400)
        if "{" in self.path or self._is_list_view():
            codes.append(404)  # an unknown or invisible object, or a page beyond the last
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    ErrorSerializer, str(code), direction=direction
                )
        return responses
