"""Each verification point of a notified batch, one rule at a time."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from waivers.batch_verification import verify
from waivers.models import BatchNotification, BatchStatus, Recognition, State

from ..factories import (
    CertificateFactory,
    CppFactory,
    ProductFactory,
    SiteFactory,
    WaiverRequestFactory,
)
from .scene import coa_for

pytestmark = pytest.mark.django_db
TODAY = timezone.now().date()


def outcome(waiver, coa, batch="LOT-001", on=TODAY, previous=None):
    return verify(waiver=waiver, batch=batch, coa=coa, on=on, previous=previous)


def point(result, check):
    return next(p for p in result.points if p.check == check)


def test_a_matching_batch_passes_every_point(granted, coa):
    result = outcome(granted, coa)
    assert result.passed
    assert [p.check for p in result.points] == [
        "waiver_in_force",
        "product",
        "site",
        "batch_number",
        "conformity",
        "not_expired",
        "usable_on_arrival",
        "gmp_certificate",
        "cpp",
        "not_notified_before",
    ]
    assert all(p.detail for p in result.points)


def test_a_waiver_not_granted_is_not_in_force(case):
    result = outcome(case, coa_for(case))
    assert not result.passed
    assert point(result, "waiver_in_force").detail == "The waiver is draft."


def test_a_granted_waiver_past_its_validity_is_not_in_force(granted, coa):
    granted.valid_until = TODAY - timedelta(days=1)
    failed = point(outcome(granted, coa), "waiver_in_force")
    assert not failed.passed
    assert f"lapsed on {granted.valid_until}" in failed.detail


def test_the_last_day_of_validity_is_still_in_force(granted, coa):
    granted.valid_until = TODAY
    assert point(outcome(granted, coa), "waiver_in_force").passed


def test_coa_of_another_product_fails(granted):
    other = ProductFactory(organisation=granted.organisation, name="Other vector")
    failed = point(outcome(granted, coa_for(granted, product=other)), "product")
    assert not failed.passed
    assert "Other vector" in failed.detail


def test_coa_from_a_site_the_waiver_does_not_cover_fails(granted):
    elsewhere = SiteFactory(organisation=granted.organisation, name="Uncovered plant")
    failed = point(outcome(granted, coa_for(granted, site=elsewhere)), "site")
    assert not failed.passed
    assert "Uncovered plant" in failed.detail


def test_coa_of_another_batch_fails(granted):
    failed = point(outcome(granted, coa_for(granted, batch_number="LOT-999")), "batch_number")
    assert not failed.passed
    assert failed.detail == "The CoA is for batch LOT-999, not for batch LOT-001."


@pytest.mark.parametrize(
    ("conforms", "detail"),
    [
        (False, "The CoA states the batch does not conform."),
        (None, "The CoA does not state whether the batch conforms."),
    ],
)
def test_a_batch_that_does_not_conform_fails(granted, conforms, detail):
    failed = point(outcome(granted, coa_for(granted, conforms=conforms)), "conformity")
    assert not failed.passed
    assert failed.detail == detail


def test_an_expired_batch_fails(granted):
    coa = coa_for(granted, batch_expires_on=TODAY - timedelta(days=1))
    failed = point(outcome(granted, coa), "not_expired")
    assert not failed.passed
    assert "expired on" in failed.detail


def test_a_batch_on_its_expiry_day_is_not_yet_expired(granted):
    assert point(outcome(granted, coa_for(granted, batch_expires_on=TODAY)), "not_expired").passed


def test_a_coa_without_expiry_date_fails(granted):
    result = outcome(granted, coa_for(granted, batch_expires_on=None))
    assert not point(result, "not_expired").passed
    assert not point(result, "usable_on_arrival").passed


def short_lived(granted, shipping_days):
    """A 72-hour cell therapy made two days ago, shipped for ``shipping_days``."""
    granted.product.shelf_life_days = Decimal("3")
    granted.shipping_days = Decimal(shipping_days)
    return coa_for(granted, manufactured_on=TODAY - timedelta(days=2))


def test_a_short_lived_batch_with_shelf_life_left_on_arrival_passes(granted):
    passed = point(outcome(granted, short_lived(granted, "0.5")), "usable_on_arrival")
    assert passed.passed
    assert passed.detail == "0.5 days of shelf-life left on arrival after 0.5 days of shipping."


def test_a_short_lived_batch_that_would_arrive_spoilt_fails(granted):
    failed = point(outcome(granted, short_lived(granted, "1.5")), "usable_on_arrival")
    assert not failed.passed
    assert failed.detail == (
        "The batch would arrive 0.5 days past its shelf-life after 1.5 days of shipping."
    )


def test_a_batch_arriving_as_its_shelf_life_ends_fails(granted):
    failed = point(outcome(granted, short_lived(granted, "1")), "usable_on_arrival")
    assert not failed.passed
    assert "would arrive with no shelf-life left after 1 day of shipping" in failed.detail


def test_shelf_life_counts_only_when_it_ends_before_the_coa_expiry(granted):
    coa = coa_for(granted, manufactured_on=TODAY, batch_expires_on=TODAY + timedelta(days=2))
    granted.shipping_days = Decimal("3")
    failed = point(outcome(granted, coa), "usable_on_arrival")
    assert not failed.passed
    assert "1 day past its shelf-life" in failed.detail


def test_an_expired_gmp_certificate_fails(granted, coa):
    gmp = granted.certificates.get(kind="gmp")
    gmp.valid_until = TODAY - timedelta(days=1)
    gmp.save()
    failed = point(outcome(granted, coa), "gmp_certificate")
    assert not failed.passed
    assert f"GMP certificate {gmp.number} expired on" in failed.detail


def test_a_gmp_issuer_no_longer_recognised_fails(granted, coa):
    gmp = granted.certificates.get(kind="gmp")
    Recognition.objects.filter(authority=gmp.issuing_authority).update(
        valid_from=TODAY - timedelta(days=900), valid_to=TODAY - timedelta(days=1)
    )
    failed = point(outcome(granted, coa), "gmp_certificate")
    assert not failed.passed
    assert f"{gmp.issuing_authority.code} is no longer recognised" in failed.detail


def test_a_gmp_issuer_recognised_only_under_a_scheme_the_nra_does_not_rely_on_fails(granted, coa):
    gmp = granted.certificates.get(kind="gmp")
    Recognition.objects.filter(authority=gmp.issuing_authority).update(scheme="ICH")
    assert not point(outcome(granted, coa), "gmp_certificate").passed


def test_the_passing_gmp_point_names_the_scheme_relied_on(granted, coa):
    gmp = granted.certificates.get(kind="gmp")
    assert (
        f"({gmp.issuing_authority.code}, SRA)"
        in point(outcome(granted, coa), "gmp_certificate").detail
    )


def test_an_expired_cpp_fails(granted, coa):
    cpp = granted.certificates.get(kind="cpp")
    cpp.valid_until = TODAY - timedelta(days=3)
    cpp.save()
    failed = point(outcome(granted, coa), "cpp")
    assert not failed.passed
    assert "expired on" in failed.detail


def test_a_waiver_relying_on_no_cpp_passes_that_point_but_not_without_gmp(db):
    case = WaiverRequestFactory(
        evidence=False, state=State.APPROVED, scope="clinical_trial", submitted_at=timezone.now()
    )
    site = SiteFactory(organisation=case.organisation)
    case.sites.add(site)
    coa = coa_for(case, site=site)
    result = outcome(case, coa)
    assert point(result, "cpp").passed
    assert not point(result, "gmp_certificate").passed
    case.certificates.add(CertificateFactory(organisation=case.organisation, site=site))
    assert point(outcome(case, coa), "gmp_certificate").passed


def test_cpp_from_an_authority_the_nra_does_not_rely_on_fails(granted, coa):
    unknown = CppFactory(organisation=granted.organisation, product=granted.product)
    Recognition.objects.filter(authority=unknown.issuing_authority).delete()
    granted.certificates.add(unknown)
    assert not point(outcome(granted, coa), "cpp").passed


def test_a_batch_released_before_under_the_waiver_fails(granted, coa, applicant):
    previous = BatchNotification.objects.create(
        waiver=granted,
        batch_number="LOT-001",
        certificate=coa,
        status=BatchStatus.RELEASED,
        notified_by=applicant,
        reference="BN-2026-000001",
    )
    failed = point(outcome(granted, coa, previous=previous), "not_notified_before")
    assert not failed.passed
    assert "already released under this waiver" in failed.detail
    assert "BN-2026-000001" in failed.detail
