"""The OpenAPI schema's error responses: every operation documents the errors it can answer.

drf-spectacular describes the successes; this adds the conventional errors of docs/api.md so that the
schema is truthful about them (and schemathesis can hold the server to it).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from .serializers import ErrorSerializer


class PortalAutoSchema(AutoSchema):
    def _error_codes(self) -> list[int]:
        codes = [429]
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
