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

#: The calculator's inputs as people call them, in the order they are entered. A request stores
#: exactly these (models.SAMPLING_FIELDS); messages name a field by its label.
INPUTS: dict[str, str] = {
    "batch_size": "batch size (units or ml)",
    "release_units": "units for release testing",
    "retention_units": "units for reference/retention",
    "stability_units": "units for stability (0 if none)",
    "in_country_units": "units for in-country testing (per testing country)",
    "testing_countries": "importing countries that test",
    "units_per_patient": "units per patient dose",
    "shelf_life_days": "shelf-life (days)",
    "shipping_days": "shipping (days)",
    "testing_days": "in-country testing (days)",
}
REQUIRED = (
    "batch_size",
    "release_units",
    "retention_units",
    "in_country_units",
    "units_per_patient",
)


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


def _label(name: str) -> str:
    return INPUTS[name].split(" (")[0]


def _read(values: dict[str, Any], *, complete: bool) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The figures as numbers, and what the calculator refuses in them, each error on its field.

    With ``complete`` false (a draft being saved) a figure not yet entered is no error; a figure
    that is entered must still be one the calculator accepts.
    """
    errors: dict[str, list[str]] = {}
    read: dict[str, Any] = {}
    for name in INPUTS:
        raw = values.get(name)
        if raw is None or raw == "":
            if complete and name in REQUIRED:
                errors[name] = [f"Enter the {_label(name)}."]
            read[name] = None
            continue
        try:
            number = Decimal(str(raw))
        except ArithmeticError:
            errors[name] = [f"The {_label(name)} must be a number."]
            continue
        if not number.is_finite():
            errors[name] = [f"The {_label(name)} must be a finite number."]
        elif number < 0:
            errors[name] = [f"The {_label(name)} cannot be negative."]
        read[name] = number
    countries = read.get("testing_countries")
    if countries is None:
        read["testing_countries"] = 1
    elif "testing_countries" not in errors:
        if countries != countries.to_integral_value():
            errors["testing_countries"] = ["The importing countries that test are a whole number."]
        elif countries < 1:
            errors["testing_countries"] = ["At least one importing country tests."]
        read["testing_countries"] = int(countries)
    if read.get("batch_size") == 0 and "batch_size" not in errors:
        errors["batch_size"] = ["A batch has at least one unit."]
    if read.get("units_per_patient") == 0 and "units_per_patient" not in errors:
        errors["units_per_patient"] = ["A patient dose is more than zero units."]
    model = str(values.get("production_model") or "MTS")
    if model not in ("MTS", "MTO"):
        errors["production_model"] = ["Choose MTS (make to stock) or MTO (make to order)."]
    read["production_model"] = model
    batch = read.get("batch_size")
    if batch and not errors.keys() & {"batch_size", "testing_countries", *SAMPLE_FIELDS}:
        samples = sum((read[name] or Decimal(0) for name in SAMPLE_FIELDS[:3]), Decimal(0))
        samples += (read["in_country_units"] or Decimal(0)) * read["testing_countries"]
        if samples > batch:
            errors["in_country_units"] = [
                f"The samples ({samples.normalize():f}) add up to more than the batch "
                f"({batch.normalize():f})."
            ]
    return read, errors


def problems(values: dict[str, Any], *, complete: bool) -> dict[str, list[str]]:
    """What the calculator would refuse in these figures (see ``_read``); empty when none."""
    return _read(values, complete=complete)[1]


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _patients(units: Decimal, per_patient: Decimal, make_to_order: bool) -> Decimal:
    patients = units / per_patient
    if make_to_order:
        patients = min(patients, Decimal(1))
    return patients.quantize(ONE_DECIMAL, ROUND_DOWN)


def calculate(**values: Any) -> Impact:
    """Divide a batch between fixed sampling and patients, with and without in-country testing.

    Raises InvalidInput naming the field for missing or negative figures, a zero batch or dose,
    testing countries below one, or samples that add up to more than the batch.
    """
    read, errors = _read(values, complete=True)
    if errors:
        raise InvalidInput(errors)
    batch, per_patient, countries = (
        read["batch_size"],
        read["units_per_patient"],
        read["testing_countries"],
    )
    samples = {name: read[name] or Decimal(0) for name in SAMPLE_FIELDS}
    model = read["production_model"]
    in_country_total = samples["in_country_units"] * countries
    fixed = samples["release_units"] + samples["retention_units"] + samples["stability_units"]
    remaining = batch - fixed - in_country_total
    without = batch - fixed
    mto = model == "MTO"
    patients, patients_without = (
        _patients(remaining, per_patient, mto),
        _patients(without, per_patient, mto),
    )
    whole, whole_without = int(patients), int(patients_without)

    shelf_life_left, feasible = None, None
    shelf_life = read["shelf_life_days"]
    if shelf_life is not None:
        shipping = read["shipping_days"] or Decimal(0)
        testing = read["testing_days"] or Decimal(0)
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
    values = {name: getattr(case, name) for name in INPUTS}
    values["production_model"] = case.product.production_model if case.product_id else "MTS"
    try:
        return calculate(**values), ""
    except InvalidInput as exc:
        return None, " ".join(message for messages in exc.errors.values() for message in messages)
