"""What the evidence form warns about before an upload: checks.certificate_warnings and its endpoint."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from waivers.checks import certificate_warnings
from waivers.models import CheckStatus

from ..factories import AuthorityFactory, NraFactory, RecognitionFactory

TODAY = date(2026, 6, 1)


@pytest.fixture
def policy(db):
    return NraFactory().policy


def statuses(results):
    return [(r.check, r.status) for r in results]


def test_a_valid_certificate_of_a_recognised_authority_raises_nothing(policy, mature):
    values = {
        "kind": "gmp",
        "issuing_authority": mature,
        "issued_on": TODAY - timedelta(days=30),
        "valid_until": TODAY + timedelta(days=400),
    }
    assert certificate_warnings(values, policy, TODAY) == []


def test_an_expired_certificate_fails(policy):
    values = {"kind": "gmp", "valid_until": TODAY - timedelta(days=1)}
    [result] = certificate_warnings(values, policy, TODAY)
    assert (result.status, result.detail) == (
        CheckStatus.FAIL,
        "This certificate expired on 2026-05-31.",
    )


def test_a_certificate_expiring_inside_the_nras_window_warns(policy):
    policy.expiry_warning_days = 60
    inside = {"kind": "gmp", "valid_until": TODAY + timedelta(days=60)}
    outside = {"kind": "gmp", "valid_until": TODAY + timedelta(days=61)}
    assert statuses(certificate_warnings(inside, policy, TODAY)) == [("validity", "warn")]
    assert certificate_warnings(outside, policy, TODAY) == []


def test_a_coa_is_judged_by_its_batch_expiry_and_only_warns(policy):
    """As the case's validity check says: a CoA records a release, it is not a licence."""
    values = {"kind": "coa", "batch_expires_on": TODAY - timedelta(days=3), "valid_until": None}
    assert statuses(certificate_warnings(values, policy, TODAY)) == [("validity", "warn")]


def test_an_authority_not_recognised_on_the_issue_date_fails(policy):
    authority = AuthorityFactory()
    RecognitionFactory(authority=authority, scheme="SRA", valid_from=TODAY - timedelta(days=10))
    values = {
        "kind": "gmp",
        "issuing_authority": authority,
        "issued_on": TODAY - timedelta(days=100),
    }
    [result] = certificate_warnings(values, policy, TODAY)
    assert result.check == "maturity" and "on the issue date" in result.detail


def test_an_authority_recognised_only_under_a_scheme_the_nra_ignores_fails(policy):
    authority = AuthorityFactory()
    RecognitionFactory(authority=authority, scheme="ICH")
    values = {"kind": "gmp", "issuing_authority": authority, "issued_on": TODAY}
    assert statuses(certificate_warnings(values, policy, TODAY)) == [
        ("maturity", "fail"),
        ("maturity", "fail"),
    ]


def test_a_cpp_older_than_the_nra_accepts_fails(policy, mature):
    policy.max_cpp_age_days = 365
    values = {"kind": "cpp", "issuing_authority": mature, "issued_on": TODAY - timedelta(days=400)}
    assert statuses(certificate_warnings(values, policy, TODAY)) == [("validity", "fail")]


def test_the_precheck_endpoint_answers_with_the_warnings(signed_in, policy):
    response = signed_in.post(
        reverse("applicant:evidence_precheck"),
        {"kind": "gmp", "nra": policy.authority_id, "valid_until": "2000-01-01"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"check": "validity", "status": "fail", "detail": "This certificate expired on 2000-01-01."}
    ]


def test_the_precheck_endpoint_refuses_nonsense_without_an_error_page(signed_in):
    response = signed_in.post(
        reverse("applicant:evidence_precheck"), {"kind": "gmp", "valid_until": "not a date"}
    )
    assert response.status_code == 400
    assert "valid_until" in response.json()["errors"]
