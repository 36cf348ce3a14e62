"""Working a case from the review page: the reviewer's actions, refusals and stale pages (the
approver's signing, returning and revoking are in tests/signing)."""

import pytest

from waivers.models import AuditEntry, State

from ..factories import ReviewerFactory, checklist_post
from ..pages import act

pytestmark = pytest.mark.django_db


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


def test_an_action_the_state_does_not_allow_is_refused_with_its_reason(client, submitted, approver):
    response = act(client, approver, submitted, "return", message="Not yet.")
    assert response.status_code == 409
    assert "You cannot return a case that is submitted." in response.content.decode()


def test_an_unknown_action_is_404(client, submitted, reviewer):
    assert act(client, reviewer, submitted, "approve-everything").status_code == 404
