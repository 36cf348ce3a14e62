"""JSON responses written by orjson, as DRF's JSONRenderer writes them.

DRF's renderer runs the standard library's encoder and calls back into Python for every decimal
(a list page has 225): 0.3-0.4 ms per list page against 0.1 ms (bench/README.md, "API list:
third round").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_ENCODER = JSONEncoder()
LS, PS = "\u2028".encode(), "\u2029".encode()


def _default(obj: Any) -> Any:
    """What DRF's encoder makes of a type JSON lacks (dates and times as DRF formats them)."""
    if isinstance(obj, Decimal):  # the common case, first
        value = float(obj)
        if not math.isfinite(value):
            raise ValueError("Out of range float values are not JSON compliant")
        return value
    return _ENCODER.default(obj)


class JSONRenderer(renderers.JSONRenderer):
    """DRF's compact, strict, UTF-8 JSON from orjson. Anything orjson refuses (an integer beyond
    64 bits, a key that is not a string) and indented output are left to DRF's renderer. Floats
    are written as the same numbers, though very large or small ones differ in form (1e-7, not
    1e-07), and a float NaN or infinity as null where DRF refuses it: the API's numbers are
    decimals, and a decimal JSON cannot hold is refused as DRF does."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        plain = self.compact and self.strict and not self.ensure_ascii  # DRF's defaults
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if data is None or not plain or indent is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF: JSON that is also a strict JavaScript subset.
        return rendered.replace(LS, b"\\u2028").replace(PS, b"\\u2029")
