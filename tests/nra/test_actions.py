"""Working a case from the review page: every action, its refusals, and stale pages."""

import pytest

from waivers.models import AuditEntry, State

from ..factories import PASSWORD, ApproverFactory, ReviewerFactory
from .conftest import checklist_post

pytestmark = pytest.mark.django_db


def act(client, user, case, slug, **data):
    client.force_login(user)
    data.setdefault("expected_version", case.version)
    return client.post(f"/nra/cases/{case.reference}/{slug}/", data)


def test_reviewer_takes_a_submitted_case(client, submitted, reviewer):
    response = act(client, reviewer, submitted, "take")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.UNDER_REVIEW and submitted.reviewer == reviewer


def test_reviewer_assigns_a_case_to_a_colleague(client, submitted, reviewer):
    colleague = ReviewerFactory(nra=submitted.authority)
    act(client, reviewer, submitted, "assign", reviewer=colleague.pk)
    submitted.refresh_from_db()
    assert submitted.reviewer == colleague


def test_a_reviewer_of_another_nra_cannot_be_chosen(client, submitted, reviewer, other_reviewer):
    response = act(client, reviewer, submitted, "assign", reviewer=other_reviewer.pk)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.reviewer is None and submitted.state == State.SUBMITTED


def test_requesting_information_stops_the_clock_and_posts_the_message(
    client, under_review, reviewer
):
    act(client, reviewer, under_review, "request-information", message="Send the 2025 CPP.")
    under_review.refresh_from_db()
    assert under_review.state == State.INFORMATION_REQUESTED
    assert under_review.clock_paused_since is not None
    assert under_review.messages.get().body == "Send the 2025 CPP."


def test_an_empty_information_request_is_refused_next_to_the_field(client, under_review, reviewer):
    response = act(client, reviewer, under_review, "request-information", message="  ")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    under_review.refresh_from_db()
    assert under_review.state == State.UNDER_REVIEW


def test_recommendation_stores_the_answered_checklist(client, under_review, reviewer):
    response = act(
        client,
        reviewer,
        under_review,
        "recommend",
        **checklist_post(outcome="approve", rationale="All reliance criteria met."),
    )
    assert response.status_code == 302
    under_review.refresh_from_db()
    assert under_review.state == State.RECOMMENDED
    assert under_review.recommended_by == reviewer
    assert under_review.assessment["cpp_consistent"] == {
        "label": "CPP consistent with the product",
        "answer": "met",
        "note": "Assessed cpp_consistent against the evidence.",
    }
    entry = AuditEntry.objects.filter(waiver=under_review, action="recommend").get()
    assert "assessment" in entry.changes


def test_an_unmet_criterion_without_a_note_is_refused_and_nothing_is_saved(
    client, under_review, reviewer
):
    data = checklist_post({"qms_evidence": "not_met"}, outcome="partial", rationale="Fine.")
    data["conditions"] = "Identity test."
    data["qms_evidence_note"] = ""
    response = act(client, reviewer, under_review, "recommend", **data)
    assert response.status_code == 400
    under_review.refresh_from_db()
    assert under_review.state == State.UNDER_REVIEW and under_review.assessment == {}


def test_a_full_waiver_cannot_rest_on_an_unmet_criterion(client, under_review, reviewer):
    answers = {"cpp_consistent": "not_met", "atmp_specifics": "na"}
    response = act(
        client,
        reviewer,
        under_review,
        "recommend",
        **checklist_post(answers, outcome="approve", rationale="Fine."),
    )
    assert response.status_code == 400
    assert "A full waiver needs every criterion met" in response.content.decode()
    under_review.refresh_from_db()
    assert under_review.state == State.UNDER_REVIEW


def test_a_partial_waiver_states_its_conditions(client, under_review, reviewer):
    data = checklist_post(outcome="partial", rationale="Reduced testing suffices.")
    response = act(client, reviewer, under_review, "recommend", **data)
    assert response.status_code == 400
    assert "A partial waiver states its conditions" in response.content.decode()
    data["conditions"] = "Identity test only on the first batch."
    act(client, reviewer, under_review, "recommend", **data)
    under_review.refresh_from_db()
    assert under_review.state == State.RECOMMENDED
    assert under_review.conditions == "Identity test only on the first batch."


def test_a_stale_page_is_told_to_reload_and_nothing_happens_twice(client, submitted, reviewer):
    colleague = ReviewerFactory(nra=submitted.authority)
    stale_version = submitted.version
    act(client, colleague, submitted, "take")
    response = act(client, reviewer, submitted, "take", expected_version=stale_version)
    assert response.status_code == 409
    assert "This case changed since you opened it" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.reviewer == colleague
    assert AuditEntry.objects.filter(waiver=submitted, action="assign").count() == 1


def test_the_reviewer_cannot_sign_by_posting_directly(client, recommended, reviewer):
    response = act(client, reviewer, recommended, "sign", password=PASSWORD, meaning="approval")
    assert response.status_code == 403
    recommended.refresh_from_db()
    assert recommended.state == State.RECOMMENDED and not recommended.signatures.exists()


def test_an_approver_who_recommended_cannot_sign_their_own_recommendation(client, under_review):
    approver = ApproverFactory(nra=under_review.authority)
    act(client, approver, under_review, "take")
    under_review.refresh_from_db()
    act(
        client,
        approver,
        under_review,
        "recommend",
        **checklist_post(outcome="reject", rationale="No mature-authority inspection."),
    )
    under_review.refresh_from_db()
    assert under_review.recommended_by == approver
    page = client.get(f"/nra/cases/{under_review.reference}/").content.decode()
    assert "Sign the decision" not in page
    response = act(client, approver, under_review, "sign", password=PASSWORD, meaning="approval")
    assert response.status_code == 403
    assert "a second person must sign it" in response.content.decode()


def test_the_approver_signs_with_their_password(client, recommended, approver):
    response = act(client, approver, recommended, "sign", password=PASSWORD, meaning="approval")
    assert response.status_code == 302
    recommended.refresh_from_db()
    assert recommended.state == State.APPROVED
    signature = recommended.signatures.get()
    assert signature.meaning == "Approval of waiver decision"
    assert signature.printed_name == approver.printed_name


def test_a_wrong_password_is_refused_audited_and_reopens_the_dialog(client, recommended, approver):
    response = act(client, approver, recommended, "sign", password="guess", meaning="approval")
    html = response.content.decode()
    assert response.status_code == 400
    assert "The password is not correct" in html
    assert 'data-dialog="sign-dialog"' in html
    recommended.refresh_from_db()
    assert recommended.state == State.RECOMMENDED
    assert AuditEntry.objects.filter(waiver=recommended, action="signature_refused").count() == 1


def test_the_applicant_sees_no_refused_signature_or_internal_step_and_staff_see_all(
    client, recommended, applicant, approver
):
    act(client, approver, recommended, "sign", password="guess", meaning="approval")
    act(client, approver, recommended, "sign", password=PASSWORD, meaning="approval")
    client.force_login(applicant)
    page = client.get(f"/cases/{recommended.reference}/").content.decode()
    history = client.get(f"/api/v1/waivers/{recommended.pk}/history/").json()
    assert "<strong>signature_refused</strong>" not in page
    assert "<strong>recommend</strong>" not in page and "<strong>sign</strong>" in page
    assert [e["action"] for e in history][-2:] == ["assign", "sign"]
    client.force_login(approver)
    staff_page = client.get(f"/cases/{recommended.reference}/").content.decode()
    staff_history = client.get(f"/api/v1/waivers/{recommended.pk}/history/").json()
    assert "<strong>signature_refused</strong>" in staff_page
    assert "<strong>recommend</strong>" in staff_page
    assert [e["action"] for e in staff_history][-3:] == ["recommend", "signature_refused", "sign"]


def test_signing_locks_after_repeated_wrong_passwords(client, recommended, approver, settings):
    for _ in range(settings.SIGNING_MAX_FAILURES):
        act(client, approver, recommended, "sign", password="guess", meaning="approval")
    response = act(client, approver, recommended, "sign", password=PASSWORD, meaning="approval")
    assert response.status_code == 403
    assert "Signing is locked" in response.content.decode()
    recommended.refresh_from_db()
    assert recommended.state == State.RECOMMENDED


def test_the_approver_returns_a_recommendation_with_a_message(client, recommended, approver):
    act(client, approver, recommended, "return", message="Check the CPP date.")
    recommended.refresh_from_db()
    assert recommended.state == State.UNDER_REVIEW and recommended.recommended_by is None
    assert recommended.messages.get(kind="return").body == "Check the CPP date."


def test_the_approver_revokes_a_granted_waiver_with_reason_and_signature(
    client, approved, approver
):
    response = act(
        client, approver, approved, "revoke", reason="GMP certificate withdrawn.", password=PASSWORD
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.state == State.REVOKED
    assert approved.signatures.filter(meaning="Revocation of waiver").exists()
    entry = AuditEntry.objects.filter(waiver=approved, action="revoke").get()
    assert entry.reason == "GMP certificate withdrawn."


def test_revocation_needs_the_password(client, approved, approver):
    response = act(client, approver, approved, "revoke", reason="Complaint.", password="nope")
    assert response.status_code == 400
    approved.refresh_from_db()
    assert approved.state == State.APPROVED


def test_an_action_the_state_does_not_allow_is_refused_with_its_reason(client, submitted, approver):
    response = act(client, approver, submitted, "return", message="Not yet.")
    assert response.status_code == 409
    assert "You cannot return a case that is submitted." in response.content.decode()


def test_an_unknown_action_is_404(client, submitted, reviewer):
    assert act(client, reviewer, submitted, "approve-everything").status_code == 404
