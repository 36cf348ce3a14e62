"""The sampling-impact calculator: what fixed sampling leaves of a batch for patients.

A pure function. Units may be a count or a volume (ml); the arithmetic is the same. Quantities are
Decimals throughout; only the figures meant for display (percentages, patients) are rounded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from .errors import InvalidInput

ONE_DECIMAL = Decimal("0.1")
SAMPLE_FIELDS = ("release_units", "retention_units", "stability_units", "in_country_units")


@dataclass(frozen=True)
class Impact:
    remaining_units: Decimal
    remaining_percent: Decimal
    in_country_total_units: Decimal
    in_country_percent: Decimal
    patients: Decimal
    whole_patients: int
    remaining_without_in_country_units: Decimal
    patients_without_in_country: Decimal
    whole_patients_without_in_country: int
    patients_lost_to_in_country: int
    release_units: Decimal
    retention_units: Decimal
    stability_units: Decimal
    shelf_life_left_days: Decimal | None = None
    feasible: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def shares(self) -> list[tuple[str, Decimal]]:
        """How the batch divides, for the bar chart: (label, percent of the batch)."""
        total = self.remaining_without_in_country_units + self.release_units + self.retention_units
        total += self.stability_units
        if not total:
            return []
        parts = [
            ("Release testing", self.release_units),
            ("Retention", self.retention_units),
            ("Stability", self.stability_units),
            ("In-country testing", self.in_country_total_units),
            ("Left for patients", self.remaining_units),
        ]
        return [(label, _percent(value, total)) for label, value in parts]


def _decimal(values: dict[str, Any], name: str, default: Any = None) -> Decimal | None:
    raw = values.get(name, default)
    if raw is None or raw == "":
        return None
    try:
        number = Decimal(str(raw))
    except ArithmeticError:
        raise InvalidInput({name: ["Enter a number."]}) from None
    if not number.is_finite():
        raise InvalidInput({name: ["Enter a finite number."]})
    if number < 0:
        raise InvalidInput({name: ["Cannot be negative."]})
    return number


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _patients(units: Decimal, per_patient: Decimal, make_to_order: bool) -> Decimal:
    patients = units / per_patient
    if make_to_order:
        patients = min(patients, Decimal(1))
    return patients.quantize(ONE_DECIMAL, ROUND_DOWN)


def calculate(**values: Any) -> Impact:
    """Divide a batch between fixed sampling and patients, with and without in-country testing.

    Raises InvalidInput naming the field for negative numbers, a zero batch or dose, testing
    countries below one, or samples that add up to more than the batch.
    """
    errors: dict[str, list[str]] = {}
    required = (
        "batch_size",
        "release_units",
        "retention_units",
        "in_country_units",
        "units_per_patient",
    )
    for name in required:
        if values.get(name) in (None, ""):
            errors[name] = ["This field is required."]
    if errors:
        raise InvalidInput(errors)
    batch = _decimal(values, "batch_size")
    samples = {name: _decimal(values, name, 0) or Decimal(0) for name in SAMPLE_FIELDS}
    per_patient = _decimal(values, "units_per_patient")
    assert batch is not None and per_patient is not None
    try:
        raw_countries = values.get("testing_countries")
        countries = 1 if raw_countries in (None, "") else int(raw_countries)
    except (TypeError, ValueError):
        raise InvalidInput({"testing_countries": ["Enter a whole number."]}) from None
    if countries < 1:
        raise InvalidInput({"testing_countries": ["At least one importing country tests."]})
    if batch == 0:
        raise InvalidInput({"batch_size": ["A batch has at least one unit."]})
    if per_patient == 0:
        raise InvalidInput({"units_per_patient": ["A patient dose is more than zero units."]})
    model = str(values.get("production_model") or "MTS")
    if model not in ("MTS", "MTO"):
        raise InvalidInput(
            {"production_model": ["Choose MTS (make to stock) or MTO (make to order)."]}
        )

    in_country_total = samples["in_country_units"] * countries
    fixed = samples["release_units"] + samples["retention_units"] + samples["stability_units"]
    if fixed + in_country_total > batch:
        raise InvalidInput(
            {
                "in_country_units": [
                    f"The samples ({fixed + in_country_total:g}) add up to more than the batch ({batch:g})."
                ]
            }
        )
    remaining = batch - fixed - in_country_total
    without = batch - fixed
    mto = model == "MTO"
    patients, patients_without = (
        _patients(remaining, per_patient, mto),
        _patients(without, per_patient, mto),
    )
    whole, whole_without = int(patients), int(patients_without)

    shelf_life_left, feasible = None, None
    shelf_life = _decimal(values, "shelf_life_days")
    if shelf_life is not None:
        shipping = _decimal(values, "shipping_days") or Decimal(0)
        testing = _decimal(values, "testing_days") or Decimal(0)
        shelf_life_left = shelf_life - shipping - testing
        feasible = shelf_life_left > 0

    return Impact(
        remaining_units=remaining,
        remaining_percent=_percent(remaining, batch),
        in_country_total_units=in_country_total,
        in_country_percent=_percent(in_country_total, batch),
        patients=patients,
        whole_patients=whole,
        remaining_without_in_country_units=without,
        patients_without_in_country=patients_without,
        whole_patients_without_in_country=whole_without,
        patients_lost_to_in_country=whole_without - whole,
        release_units=samples["release_units"],
        retention_units=samples["retention_units"],
        stability_units=samples["stability_units"],
        shelf_life_left_days=shelf_life_left,
        feasible=feasible,
    )


def of_request(case: Any) -> tuple[Impact | None, str]:
    """The impact of a waiver request's sampling data, or why it cannot be worked out yet."""
    values = {
        name: getattr(case, name)
        for name in (
            *SAMPLE_FIELDS,
            "batch_size",
            "testing_countries",
            "units_per_patient",
            "shelf_life_days",
            "shipping_days",
            "testing_days",
        )
    }
    values["production_model"] = case.product.production_model if case.product_id else "MTS"
    try:
        return calculate(**values), ""
    except InvalidInput as exc:
        return None, exc.message
