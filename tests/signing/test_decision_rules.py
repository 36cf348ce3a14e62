"""The decision's rules hold on every path: a waiver is granted only on passing checks and a
complete checklist (or against a failed check with a justification, where the policy allows it),
and the web form and the API refuse the same things with the same messages."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from waivers.letters import render_decision_letter
from waivers.models import AuditEntry, Recognition, ReliancePolicy, State
from waivers.workflow import allowed_actions, fire

from ..factories import PASSWORD, ReviewerFactory, assessment, checklist_post
from ..world import client_for

pytestmark = pytest.mark.django_db

REFUSED_ON_CHECKS = "A waiver cannot be granted while an automated check fails"


def _mature_authorities_withdrawn():
    """The issuers of every certificate lose their recognition: the maturity check fails."""
    Recognition.objects.all().delete()


def _allow_overrides(case):
    ReliancePolicy.objects.filter(authority=case.authority).update(allow_check_override=True)


def _recommend_web(client, user, case, **data):
    client.force_login(user)
    return client.post(
        f"/nra/cases/{case.reference}/recommend/",
        checklist_post(expected_version=case.version, **data),
    )


def _sign_web(client, user, case, **data):
    client.force_login(user)
    return client.post(
        f"/nra/cases/{case.reference}/sign/",
        {"expected_version": case.version, "meaning": "approval", "password": PASSWORD} | data,
    )


def _api(user, case, action, body):
    return client_for(user).post(f"/api/v1/waivers/{case.pk}/{action}/", body, format="json")


def _state(case):
    case.refresh_from_db()
    return case.state


# Finding 1: a waiver is signed although its own checks fail.


def test_the_web_form_refuses_to_recommend_a_waiver_while_the_maturity_check_fails(
    client, under_review, reviewer
):
    _mature_authorities_withdrawn()
    response = _recommend_web(client, reviewer, under_review, outcome="approve", rationale="Fine.")
    assert response.status_code == 400
    page = response.content.decode()
    assert REFUSED_ON_CHECKS in page and "Maturity" in page
    assert _state(under_review) == State.UNDER_REVIEW


def test_the_api_refuses_to_recommend_a_waiver_while_the_maturity_check_fails(
    under_review, reviewer
):
    _mature_authorities_withdrawn()
    body = {"outcome": "partial", "rationale": "x", "conditions": "y", "assessment": assessment()}
    response = _api(reviewer, under_review, "recommend", body)
    assert response.status_code == 400
    assert REFUSED_ON_CHECKS in response.json()["outcome"][0]
    assert _state(under_review) == State.UNDER_REVIEW


def test_a_rejection_may_rest_on_failed_checks_without_a_checklist(under_review, reviewer):
    _mature_authorities_withdrawn()
    body = {"outcome": "reject", "rationale": "The issuer is not a mature authority."}
    assert _api(reviewer, under_review, "recommend", body).status_code == 200
    assert _state(under_review) == State.RECOMMENDED


def test_signing_reruns_the_checks_and_refuses_when_they_now_fail_on_both_paths(
    client, recommended, approver
):
    _mature_authorities_withdrawn()
    web = _sign_web(client, approver, recommended)
    assert web.status_code == 400 and REFUSED_ON_CHECKS in web.content.decode()
    api = _api(approver, recommended, "sign", {"password": PASSWORD, "meaning": "approval"})
    assert api.status_code == 400 and REFUSED_ON_CHECKS in api.json()["outcome"][0]
    assert _state(recommended) == State.RECOMMENDED
    assert not recommended.signatures.exists()


def test_an_override_needs_the_policy_and_a_justification_for_each_failed_check(
    recommended, approver
):
    _mature_authorities_withdrawn()
    _allow_overrides(recommended)
    unjustified = _api(approver, recommended, "sign", {"password": PASSWORD, "meaning": "approval"})
    assert unjustified.status_code == 400
    assert "justify deciding against it" in unjustified.json()["override_maturity"][0]
    assert _state(recommended) == State.RECOMMENDED


def test_an_approver_decides_against_a_failed_check_on_the_web_and_it_is_audited_shown_and_printed(
    client, recommended, approver
):
    _mature_authorities_withdrawn()
    _allow_overrides(recommended)
    client.force_login(approver)
    page = client.get(f"/nra/cases/{recommended.reference}/")
    assert "Why decide against the failed maturity check?" in page.content.decode()
    justification = "the inspecting authority joined PIC/S last month; the register lags"
    response = _sign_web(client, approver, recommended, override_maturity=justification)
    assert response.status_code == 302
    assert _state(recommended) == State.APPROVED
    entry = AuditEntry.objects.get(waiver=recommended, action="check_overridden")
    assert entry.reason == justification and entry.actor == approver
    assert entry.seq < AuditEntry.objects.get(waiver=recommended, action="sign").seq
    shown = client.get(f"/nra/cases/{recommended.reference}/").content.decode()
    assert "Decided against the automated check maturity" in shown and justification in shown
    letter = " ".join(
        p.extract_text() for p in PdfReader(BytesIO(render_decision_letter(recommended))).pages
    )
    assert "Decided against the automated check maturity" in " ".join(letter.split())


def test_the_api_signs_against_a_failed_check_with_a_justification(recommended, approver):
    _mature_authorities_withdrawn()
    _allow_overrides(recommended)
    body = {
        "password": PASSWORD,
        "meaning": "approval",
        "overrides": {"maturity": "Confirmed with the inspecting authority by letter."},
    }
    assert _api(approver, recommended, "sign", body).status_code == 200
    recommended.refresh_from_db()
    assert recommended.state == State.APPROVED
    assert recommended.check_overrides["maturity"]["by"] == approver.printed_name


# Finding 2: the API's recommend skips the reliance checklist the web form enforces.


def test_the_api_refuses_a_recommendation_without_the_checklist_as_the_web_form_does(
    client, under_review, reviewer
):
    api = _api(reviewer, under_review, "recommend", {"outcome": "approve", "rationale": "Fine."})
    assert api.status_code == 400
    assert api.json()["gmp_inspection_answer"] == [
        "Answer: Site inspected for GMP by a mature authority."
    ]
    client.force_login(reviewer)
    web = client.post(
        f"/nra/cases/{under_review.reference}/recommend/",
        {"expected_version": under_review.version, "outcome": "approve", "rationale": "Fine."},
    )
    assert web.status_code == 400
    assert "Answer: Site inspected for GMP by a mature authority." in web.content.decode()
    assert _state(under_review) == State.UNDER_REVIEW


def test_the_api_stores_the_checklist_it_is_given(under_review, reviewer):
    body = {
        "outcome": "partial",
        "rationale": "Supervision lapsed.",
        "conditions": "Identity test on the first batch.",
        "assessment": assessment({"regular_supervision": "not_met"}),
    }
    assert _api(reviewer, under_review, "recommend", body).status_code == 200
    under_review.refresh_from_db()
    assert under_review.assessment["regular_supervision"]["answer"] == "not_met"
    assert under_review.assessment["gmp_inspection"]["label"].startswith("Site inspected")


def test_a_stored_checklist_that_does_not_support_a_waiver_cannot_be_signed(recommended, approver):
    type(recommended).objects.filter(pk=recommended.pk).update(assessment={})
    response = _api(approver, recommended, "sign", {"password": PASSWORD, "meaning": "approval"})
    assert response.status_code == 400
    assert _state(recommended) == State.RECOMMENDED


# Finding 7: who is offered an action comes from the table, as does who may fire it.


def test_actions_are_offered_to_exactly_those_who_may_fire_them(recommended, reviewer, approver):
    colleague = ReviewerFactory(nra=recommended.authority)
    assert "sign" not in allowed_actions(recommended, reviewer)
    assert "sign" in allowed_actions(recommended, approver)
    fire(recommended, "return", actor=approver, message="Check the CoA.")
    recommended.refresh_from_db()
    assert "recommend" in allowed_actions(recommended, reviewer)
    assert "recommend" not in allowed_actions(recommended, colleague)


@pytest.mark.parametrize("reviewer_id", [999999, None])
def test_assigning_an_unknown_reviewer_is_a_field_error_not_yourself(
    case, applicant, reviewer, reviewer_id
):
    fire(case, "submit", actor=applicant)
    response = _api(reviewer, case, "assign", {"reviewer": reviewer_id} if reviewer_id else {})
    if reviewer_id is None:
        assert response.status_code == 200 and response.json()["state"] == "under_review"
    else:
        assert response.status_code == 400
        assert response.json()["reviewer"] == ["Choose an active reviewer of this NRA."]
        assert _state(case) == State.SUBMITTED


# Finding 8: a second assignment of the same reviewer is refused, not a second audit entry.


def test_assigning_the_reviewer_already_assigned_is_a_conflict_with_one_audit_entry(
    under_review, reviewer
):
    response = _api(reviewer, under_review, "assign", {})
    assert response.status_code == 409
    assert "already reviews this case" in response.json()["detail"]
    assert AuditEntry.objects.filter(waiver=under_review, action="assign").count() == 1
