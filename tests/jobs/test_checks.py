"""The automated reliance checks: what passes, what warns, what fails, and the reasons given."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waivers import checks
from waivers.models import Certificate, CheckResult, Recognition, WaiverRequest
from waivers.services.checks import latest_results, run_checks, run_for

from ..factories import (
    TODAY,
    AuthorityFactory,
    CertificateFactory,
    CoaFactory,
    CppFactory,
    ProductFactory,
    RecognitionFactory,
    SiteFactory,
    WaiverRequestFactory,
    worst_stored_status,
)

pytestmark = pytest.mark.django_db


def certificate(case, kind):
    return case.certificates.get(kind=kind)


def test_a_complete_case_passes_every_check(case):
    outcomes = {o.check: o.status for o in checks.run_all(case, TODAY)}
    assert outcomes == {
        "completeness": "pass",
        "validity": "pass",
        "maturity": "pass",
        "consistency": "pass",
    }


def test_an_expired_gmp_certificate_fails_validity_and_says_when(case):
    gmp = certificate(case, "gmp")
    gmp.valid_until = TODAY - timedelta(days=1)
    gmp.save()
    outcome = checks.validity(case, TODAY)
    assert outcome.status == "fail"
    assert f"{gmp} expired on {gmp.valid_until:%Y-%m-%d}" in outcome.detail


def test_a_certificate_inside_the_warning_window_warns_with_its_date_and_the_window(case):
    gmp = certificate(case, "gmp")
    gmp.valid_until = TODAY + timedelta(days=30)
    gmp.save()
    outcome = checks.validity(case, TODAY)
    assert outcome.status == "warn"
    assert f"expires on {gmp.valid_until:%Y-%m-%d}" in outcome.detail
    assert "90-day warning window" in outcome.detail


def test_a_validity_result_reads_the_same_on_every_day_its_status_holds(case):
    """The sweep rewrites a stored result only when a boundary is crossed: it must not age."""
    gmp = certificate(case, "gmp")
    gmp.valid_until = TODAY + timedelta(days=30)
    gmp.save()
    cpp = certificate(case, "cpp")
    cpp.issued_on = TODAY - timedelta(days=800)
    cpp.save()
    later = checks.validity(case, TODAY + timedelta(days=20))
    assert later == checks.validity(case, TODAY) and later.status == "fail"


def test_a_certificate_just_outside_the_warning_window_passes(case):
    gmp = certificate(case, "gmp")
    gmp.valid_until = TODAY + timedelta(days=91)
    gmp.save()
    assert checks.validity(case, TODAY).status == "pass"


def test_a_cpp_older_than_the_policy_allows_fails(case):
    cpp = certificate(case, "cpp")
    cpp.issued_on = TODAY - timedelta(days=800)
    cpp.save()
    outcome = checks.validity(case, TODAY)
    assert outcome.status == "fail"
    assert (
        f"issued on {cpp.issued_on:%Y-%m-%d}" in outcome.detail
        and "up to 730 days" in outcome.detail
    )


def test_maturity_names_the_scheme_that_made_the_issuer_mature(case):
    gmp = certificate(case, "gmp")
    outcome = checks.maturity(case, TODAY)
    assert outcome.status == "pass"
    assert f"by {gmp.issuing_authority.code}: mature under SRA" in outcome.detail


def test_an_issuer_recognised_only_after_the_issue_date_fails_maturity(case):
    gmp = certificate(case, "gmp")
    Recognition.objects.filter(authority=gmp.issuing_authority).update(
        valid_from=gmp.issued_on + timedelta(days=10)
    )
    outcome = checks.maturity(case, TODAY)
    assert outcome.status == "fail"
    assert "on its issue date" in outcome.detail and "today under SRA" in outcome.detail


def test_an_issuer_no_longer_recognised_today_fails_maturity(case):
    cpp = certificate(case, "cpp")
    Recognition.objects.filter(authority=cpp.issuing_authority).update(
        valid_to=TODAY - timedelta(days=1)
    )
    outcome = checks.maturity(case, TODAY)
    assert outcome.status == "fail"
    assert "no longer recognised" in outcome.detail


def test_a_scheme_the_nra_does_not_rely_on_does_not_make_an_issuer_mature(case):
    ich_only = AuthorityFactory()
    RecognitionFactory(authority=ich_only, scheme="ICH")
    gmp = certificate(case, "gmp")
    gmp.issuing_authority = ich_only
    gmp.save()
    outcome = checks.maturity(case, TODAY)
    assert outcome.status == "fail"
    assert "(SRA, WLA, PICS)" in outcome.detail


def test_an_mra_partner_is_relied_on_under_the_mra(case):
    partner = AuthorityFactory()
    case.authority.policy.mra_partners.add(partner)
    gmp = certificate(case, "gmp")
    gmp.issuing_authority = partner
    gmp.save()
    outcome = checks.maturity(case, TODAY)
    assert outcome.status == "pass"
    assert f"by {partner.code}: mature under MRA" in outcome.detail


def test_a_gmp_certificate_for_another_site_fails_consistency(case):
    gmp = certificate(case, "gmp")
    gmp.site = SiteFactory(organisation=case.organisation)
    gmp.save()
    outcome = checks.consistency(case, TODAY)
    assert outcome.status == "fail"
    assert "covers a site that is not named in the request" in outcome.detail


def test_a_cpp_or_coa_for_another_product_fails_consistency(case):
    other = ProductFactory(organisation=case.organisation)
    for kind in ("cpp", "coa"):
        c = certificate(case, kind)
        c.product = other
        c.save()
    outcome = checks.consistency(case, TODAY)
    assert outcome.status == "fail"
    assert "names another product" in outcome.detail
    assert "is for another product" in outcome.detail


def test_dates_out_of_order_fail_consistency(case):
    gmp = certificate(case, "gmp")
    gmp.inspected_on = gmp.issued_on + timedelta(days=3)
    gmp.save()
    outcome = checks.consistency(case, TODAY)
    assert outcome.status == "fail"
    assert "issued before the inspection" in outcome.detail


def test_missing_evidence_fails_completeness_and_blocks_submission(db):
    case = WaiverRequestFactory(evidence=False)
    assert checks.completeness(case).status == "fail"
    assert any("Missing evidence" in m for m in checks.missing_for_submission(case))


def test_results_are_stored_once_per_check_and_replaced_by_the_next_run(case):
    run_checks(case, today=TODAY)
    gmp = certificate(case, "gmp")
    gmp.valid_until = TODAY - timedelta(days=2)
    gmp.save()
    results = run_checks(case, today=TODAY)
    assert [r.check_name for r in results] == [
        "completeness",
        "validity",
        "maturity",
        "consistency",
    ]
    assert CheckResult.objects.filter(waiver=case).count() == 4
    assert {r.check_name: r.status for r in latest_results(case)}["validity"] == "fail"


def test_running_checks_on_many_cases_takes_a_fixed_number_of_queries(
    db, django_assert_max_num_queries
):
    cases = [WaiverRequestFactory() for _ in range(3)]
    with django_assert_max_num_queries(12):
        run_for([c.pk for c in cases], today=TODAY)
    more = cases + [WaiverRequestFactory() for _ in range(6)]
    for c in more[3:]:
        c.certificates.add(CoaFactory(organisation=c.organisation, product=c.product))
        c.certificates.add(CppFactory(organisation=c.organisation, product=c.product))
    with django_assert_max_num_queries(12):
        runs = run_for([c.pk for c in more], today=TODAY)
    assert len(runs) == 9
    assert CheckResult.objects.count() == 9 * 4


def test_checks_rerun_when_evidence_is_added_to_a_case(case, django_capture_on_commit_callbacks):
    run_checks(case, today=TODAY)
    expired = CertificateFactory(
        organisation=case.organisation,
        site=case.sites.get(),
        issued_on=TODAY - timedelta(days=400),
        valid_until=TODAY - timedelta(days=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        case.certificates.add(expired)
    assert CheckResult.objects.get(waiver=case, check_name="validity").status == "fail"


def test_a_cases_check_status_follows_its_worst_result_on_every_run(case):
    """The queue filters and badges on it (the case's own column, not the results)."""
    assert case.check_status == ""  # never checked
    gmp = certificate(case, "gmp")
    seen = []
    for valid_until in (TODAY + timedelta(days=300), TODAY + timedelta(days=30), TODAY):
        gmp.valid_until = valid_until
        gmp.save()
        run_checks(case, today=TODAY + timedelta(days=1))
        case.refresh_from_db()
        seen.append(case.check_status)
        assert case.check_status == worst_stored_status(case)
    assert seen == ["pass", "warn", "fail"]


def test_a_run_that_changes_no_cases_worst_result_leaves_the_case_row_alone(case):
    run_checks(case, today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        run_checks(case, today=TODAY)
    written = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "waivers_waiverrequest"')]
    assert written == []
    case.refresh_from_db()
    assert case.check_status == "pass"


def test_the_migration_gives_each_checked_case_its_worst_result(db):
    migration = importlib.import_module("waivers.migrations.0008_case_check_status")
    cases = [WaiverRequestFactory() for _ in range(3)]
    Certificate.objects.filter(pk=certificate(cases[1], "gmp").pk).update(
        valid_until=TODAY - timedelta(days=1)
    )
    run_for([cases[0].pk, cases[1].pk], today=TODAY)
    expected = dict(WaiverRequest.objects.values_list("pk", "check_status"))
    assert sorted(expected.values()) == ["", "fail", "pass"]
    WaiverRequest.objects.update(check_status="")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert dict(WaiverRequest.objects.values_list("pk", "check_status")) == expected
