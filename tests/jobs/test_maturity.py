"""Register and policy changes re-check maturity of the cases they touch, and say what changed."""

from datetime import timedelta

import pytest

from waivers.models import CheckResult, Notification, Recognition
from waivers.services import register
from waivers.services.checks import run_checks

from ..factories import TODAY, WaiverRequestFactory, bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def under_review(case, applicant, reviewer):
    case = bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)
    run_checks(case)
    return case


def maturity_of(case):
    return CheckResult.objects.get(waiver=case, check_name="maturity")


def test_ending_a_recognition_fails_maturity_and_tells_applicant_and_reviewer(
    under_review, applicant, reviewer, django_capture_on_commit_callbacks
):
    gmp = under_review.certificates.get(kind="gmp")
    recognition = Recognition.objects.get(authority=gmp.issuing_authority)
    recognition.valid_to = TODAY - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        recognition.save()
    result = maturity_of(under_review)
    assert result.status == "fail"
    assert "no longer recognised" in result.detail
    for person in (applicant, reviewer):
        notice = Notification.objects.get(user=person, event="maturity_changed")
        assert "from pass to fail" in notice.subject
        assert gmp.issuing_authority.code in notice.body


def test_a_policy_that_stops_relying_on_a_scheme_rechecks_the_nra_cases(
    under_review, applicant, django_capture_on_commit_callbacks
):
    policy = under_review.authority.policy
    policy.schemes = ["WLA"]
    with django_capture_on_commit_callbacks(execute=True):
        policy.save()
    assert maturity_of(under_review).status == "fail"
    assert Notification.objects.filter(user=applicant, event="maturity_changed").exists()


def test_loading_the_register_rechecks_cases_relying_on_a_changed_authority(
    under_review, applicant, django_capture_on_commit_callbacks
):
    gmp = under_review.certificates.get(kind="gmp")
    authority = gmp.issuing_authority
    csv = (
        ",".join(register.COLUMNS)
        + f"\n{authority.code},{authority.name},{authority.country},SRA,,,"
        + f"{TODAY - timedelta(days=1)},test,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        register.load(csv, reason="WLA list update")
    assert maturity_of(under_review).status == "fail"
    assert Notification.objects.filter(user=applicant, event="maturity_changed").count() == 1


def test_cases_relying_on_other_authorities_are_not_touched(
    under_review, django_capture_on_commit_callbacks
):
    other = WaiverRequestFactory()
    run_checks(other)
    before = maturity_of(other).ran_at
    gmp = under_review.certificates.get(kind="gmp")
    recognition = Recognition.objects.get(authority=gmp.issuing_authority)
    recognition.note = "renamed source"
    with django_capture_on_commit_callbacks(execute=True):
        recognition.save()
    assert maturity_of(other).ran_at == before


def test_an_unchanged_result_tells_nobody(under_review, django_capture_on_commit_callbacks):
    gmp = under_review.certificates.get(kind="gmp")
    recognition = Recognition.objects.get(authority=gmp.issuing_authority)
    recognition.source = "https://example.test/list"
    with django_capture_on_commit_callbacks(execute=True):
        recognition.save()
    assert maturity_of(under_review).status == "pass"
    assert not Notification.objects.filter(event="maturity_changed").exists()
