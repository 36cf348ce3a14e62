"""The API's JSON is written by orjson exactly as DRF's renderer writes it (waivers/api/renderers.py)."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DrfRenderer

from waivers.api.renderers import JSONRenderer

SAMPLES = [
    {
        "text": 'quote " backslash \\ controls \x00\x1f\x7f\n\t é 漢 😀 \u2028 \u2029',
        "decimals": [Decimal("0.001"), Decimal("12345678901.123"), Decimal("180.00"), Decimal(0)],
        "floats": [0.1, 1 / 3, -0.0, 1e15],
        "ints": [0, -1, 2**63 - 1, -(2**63)],
        "at": datetime.datetime(2026, 12, 1, 10, 30, 5, 123456, tzinfo=datetime.UTC),
        "local": datetime.datetime(
            2026, 12, 1, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
        "day": datetime.date(2026, 2, 28),
        "time": datetime.time(8, 15),
        "span": datetime.timedelta(days=1, seconds=5),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": gettext_lazy("Not found."),
        "nested": {"empty": [], "none": None, "flags": (True, False), "set": {1}},
    },
    [],
    "plain",
]


@pytest.mark.parametrize("data", SAMPLES)
def test_output_is_drfs_byte_for_byte(data):
    assert JSONRenderer().render(data) == DrfRenderer().render(data)


def test_what_orjson_refuses_is_written_by_drf():
    data = {"big": 2**70, 1: "an integer key"}
    assert (
        JSONRenderer().render(data)
        == DrfRenderer().render(data)
        == b'{"big":1180591620717411303424,"1":"an integer key"}'
    )


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity")])
def test_a_decimal_json_cannot_hold_is_an_error(value):
    with pytest.raises(ValueError):
        DrfRenderer().render({"x": value})
    with pytest.raises(ValueError):
        JSONRenderer().render({"x": value})


def test_indented_output_is_drfs():
    data = {"a": [1, Decimal("2.5")]}
    media_type = "application/json; indent=4"
    assert JSONRenderer().render(data, media_type) == DrfRenderer().render(data, media_type)
