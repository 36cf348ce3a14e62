"""The sampling-impact calculator: hand-worked examples, boundaries, properties, and its endpoint."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waivers.errors import InvalidInput
from waivers.impact import calculate


def test_traditional_large_batch_barely_notices_in_country_testing():
    impact = calculate(
        batch_size=100_000,
        release_units=200,
        retention_units=100,
        stability_units=300,
        in_country_units=50,
        testing_countries=3,
        units_per_patient=30,
    )
    assert impact.in_country_total_units == 150
    assert impact.remaining_units == 99_250
    assert impact.remaining_percent == D("99.3")
    assert impact.whole_patients == 3308  # 99 250 / 30 = 3308.33
    assert impact.whole_patients_without_in_country == 3313  # 99 400 / 30 = 3313.33
    assert impact.patients_lost_to_in_country == 5


def test_make_to_stock_gene_therapy_loses_a_fifth_of_its_patients():
    impact = calculate(
        batch_size=400,
        release_units=20,
        retention_units=10,
        stability_units=15,
        in_country_units=12,
        testing_countries=3,
        units_per_patient=2,
        production_model="MTS",
        shelf_life_days=365,
        shipping_days=5,
        testing_days=60,
    )
    assert impact.in_country_total_units == 36 and impact.in_country_percent == 9
    assert impact.remaining_units == 319
    assert impact.patients == D("159.5") and impact.whole_patients == 159
    assert impact.whole_patients_without_in_country == 177
    assert impact.patients_lost_to_in_country == 18
    assert impact.shelf_life_left_days == 300 and impact.feasible is True


def test_make_to_order_gene_therapy_loses_its_only_patient():
    impact = calculate(
        batch_size=12,
        release_units=2,
        retention_units=1,
        stability_units=0,
        in_country_units=2,
        testing_countries=1,
        units_per_patient=8,
        production_model="MTO",
    )
    assert impact.remaining_units == 7
    assert impact.patients == D("0.8") and impact.whole_patients == 0
    assert impact.patients_without_in_country == 1 and impact.whole_patients_without_in_country == 1
    assert impact.patients_lost_to_in_country == 1


def test_make_to_order_cell_therapy_in_ml_is_infeasible_within_its_shelf_life():
    impact = calculate(
        batch_size="68.5",
        release_units="4.2",
        retention_units=2,
        stability_units=0,
        in_country_units="6.3",
        units_per_patient=50,
        production_model="MTO",
        shelf_life_days=3,
        shipping_days=1,
        testing_days=14,
    )
    assert impact.remaining_units == D("56.0")
    assert impact.patients == 1  # a make-to-order batch treats at most one patient
    assert impact.patients_lost_to_in_country == 0
    assert impact.shelf_life_left_days == -12 and impact.feasible is False


def test_samples_exactly_the_batch_leave_nothing_and_are_allowed():
    impact = calculate(
        batch_size=10,
        release_units=4,
        retention_units=3,
        stability_units=1,
        in_country_units=2,
        units_per_patient=1,
    )
    assert impact.remaining_units == 0 and impact.whole_patients == 0


def test_shelf_life_used_up_exactly_is_not_feasible():
    impact = calculate(
        batch_size=10,
        release_units=1,
        retention_units=1,
        in_country_units=1,
        units_per_patient=1,
        shelf_life_days=15,
        shipping_days=1,
        testing_days=14,
    )
    assert impact.shelf_life_left_days == 0 and impact.feasible is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"release_units": -1}, "release_units"),
        ({"units_per_patient": 0}, "units_per_patient"),
        ({"testing_countries": 0}, "testing_countries"),
        ({"in_country_units": 5}, "in_country_units"),  # 4 + 3 + 1 + 5 > 10
        ({"batch_size": "ten"}, "batch_size"),
        ({"batch_size": None}, "batch_size"),
        ({"production_model": "JIT"}, "production_model"),
    ],
)
def test_invalid_input_names_the_field(change, field):
    values = {
        "batch_size": 10,
        "release_units": 4,
        "retention_units": 3,
        "stability_units": 1,
        "in_country_units": 2,
        "units_per_patient": 1,
    } | change
    with pytest.raises(InvalidInput) as refused:
        calculate(**values)
    assert field in refused.value.errors


batches = st.builds(
    lambda batch, a, b, c, d, countries, dose, mto: {
        "batch_size": batch,
        "release_units": batch * a // 100,
        "retention_units": batch * b // 100,
        "stability_units": batch * c // 100,
        "in_country_units": batch * d // 100 // countries,
        "testing_countries": countries,
        "units_per_patient": dose,
        "production_model": "MTO" if mto else "MTS",
    },
    st.integers(1, 10**7),
    st.integers(0, 25),
    st.integers(0, 25),
    st.integers(0, 25),
    st.integers(0, 25),
    st.integers(1, 20),
    st.integers(1, 1000),
    st.booleans(),
)


@given(batches)
def test_remaining_is_never_negative(values):
    assert calculate(**values).remaining_units >= 0


@given(batches)
def test_without_in_country_testing_never_fewer_patients(values):
    impact = calculate(**values)
    assert impact.patients_without_in_country >= impact.patients
    assert impact.patients_lost_to_in_country >= 0


@given(batches, st.integers(1, 5))
def test_more_testing_countries_never_leave_more_for_patients(values, extra):
    more = values | {"testing_countries": values["testing_countries"] + extra}
    try:
        bigger = calculate(**more)
    except InvalidInput:
        return  # more countries may sample more than the batch: refused, not a gain
    assert bigger.remaining_units <= calculate(**values).remaining_units


@pytest.mark.django_db
def test_endpoint_calculates_for_a_signed_in_user(client, applicant):
    client.force_login(applicant)
    response = client.post(
        "/api/v1/impact/",
        {
            "batch_size": 400,
            "release_units": 20,
            "retention_units": 10,
            "stability_units": 15,
            "in_country_units": 12,
            "testing_countries": 3,
            "units_per_patient": 2,
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["patients_lost_to_in_country"] == 18
    assert response.json()["remaining_units"] == 319


@pytest.mark.django_db
def test_endpoint_refuses_samples_larger_than_the_batch_naming_the_field(client, applicant):
    client.force_login(applicant)
    response = client.post(
        "/api/v1/impact/",
        {
            "batch_size": 10,
            "release_units": 20,
            "retention_units": 0,
            "in_country_units": 0,
            "units_per_patient": 1,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "in_country_units" in response.json()


@pytest.mark.django_db
def test_endpoint_needs_a_signed_in_user(client):
    assert client.post("/api/v1/impact/", {}, content_type="application/json").status_code in (
        401,
        403,
    )
