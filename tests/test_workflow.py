"""The state machine: who may do what from which state, and what each step leaves behind."""

import pytest

from waivers.assessment import checklist
from waivers.errors import (
    EvidenceIncomplete,
    InvalidInput,
    NotPermitted,
    StaleCase,
    TransitionNotAllowed,
)
from waivers.models import AuditEntry, Signature, State
from waivers.workflow import TRANSITIONS, content_hash, fire

from .factories import (
    PASSWORD,
    ApplicantFactory,
    ReviewerFactory,
    WaiverRequestFactory,
    assessment,
    bring_to,
)

pytestmark = pytest.mark.django_db


def test_full_life_of_an_approved_waiver(case, applicant, reviewer, approver):
    bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    case = fire(case, "sign", actor=approver, password=PASSWORD, meaning="approval")
    assert case.state == State.APPROVED
    assert case.valid_until is not None
    signature = Signature.objects.get(waiver=case)
    assert signature.printed_name == approver.printed_name
    assert signature.meaning == "Approval of waiver decision"
    assert signature.content_hash == content_hash(case)
    actions = list(
        AuditEntry.objects.filter(waiver=case).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["submit", "assign", "recommend", "sign"]


def test_partial_waiver_needs_conditions(case, applicant, reviewer):
    bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)
    with pytest.raises(InvalidInput) as refused:
        fire(
            case,
            "recommend",
            actor=reviewer,
            outcome="partial",
            rationale="Reduced testing.",
            assessment=assessment(),
        )
    assert "conditions" in refused.value.errors
    case.refresh_from_db()
    assert case.state == State.UNDER_REVIEW


def test_submission_lists_missing_evidence_and_changes_nothing(db, applicant):
    case = WaiverRequestFactory(organisation=applicant.organisation, evidence=False)
    with pytest.raises(EvidenceIncomplete) as refused:
        fire(case, "submit", actor=applicant)
    assert any("GMP" in reason for reason in refused.value.reasons)
    case.refresh_from_db()
    assert case.state == State.DRAFT
    assert not AuditEntry.objects.filter(waiver=case).exists()


def test_information_request_stops_the_clock_and_response_restarts_it(case, applicant, reviewer):
    bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)
    case = fire(case, "request_information", actor=reviewer, message="Send the inspection report.")
    assert case.state == State.INFORMATION_REQUESTED and case.clock_paused_since is not None
    case = fire(case, "respond", actor=applicant, message="Attached.")
    assert case.state == State.UNDER_REVIEW and case.clock_paused_since is None
    assert [m.kind for m in case.messages.all()] == ["information_request", "response"]


def test_only_the_assigned_reviewer_recommends(case, applicant, reviewer):
    colleague = ReviewerFactory(nra=case.authority)
    bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)
    with pytest.raises(NotPermitted):
        fire(case, "recommend", actor=colleague, outcome="approve", rationale="x")


def test_reviewer_of_another_nra_cannot_act(case, applicant):
    stranger = ReviewerFactory()
    fire(case, "submit", actor=applicant)
    with pytest.raises(NotPermitted):
        fire(case, "assign", actor=stranger)


def test_applicant_of_another_organisation_cannot_submit(case):
    with pytest.raises(NotPermitted):
        fire(case, "submit", actor=ApplicantFactory())


def test_stale_version_is_refused(case, applicant):
    with pytest.raises(StaleCase):
        fire(case, "submit", actor=applicant, expected_version=case.version + 1)


ROLES = ["applicant", "reviewer", "approver", "registrar"]
PARAMS = {
    "message": "note",
    "outcome": "approve",
    "rationale": "ok",
    "reason": "why",
    "password": PASSWORD,
    "meaning": "approval",
    "assessment": assessment(),
}


def _case_and_actor(state, role, action):
    """A case in ``state`` and a person of ``role``, set up so the action's other preconditions hold."""
    submitted = None if state == State.DRAFT else "2026-01-01T00:00Z"
    case = WaiverRequestFactory(state=state, submitted_at=submitted)
    if role == "applicant":
        actor = ApplicantFactory(organisation=case.organisation)
    elif role == "registrar":
        actor = ApplicantFactory(role="registrar", organisation=None)
    else:
        actor = ReviewerFactory(nra=case.authority, role=role)
    if state in (State.UNDER_REVIEW, State.INFORMATION_REQUESTED, State.RECOMMENDED):
        case.reviewer = (
            actor
            if role in ("reviewer", "approver") and action != "assign"
            else ReviewerFactory(nra=case.authority)
        )
    if state == State.RECOMMENDED:
        case.recommended_outcome, case.recommended_by = (
            "approve",
            ReviewerFactory(nra=case.authority),
        )
        case.assessment = checklist(assessment(), outcome="approve")
    case.save()
    return case, actor


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", list(State.values))
@pytest.mark.parametrize("action", [a for a, t in TRANSITIONS.items() if t.roles])
def test_transition_table_is_the_only_door(db, action, state, role):
    """Each (state, action, role): allowed by the table and it works, or refused and nothing changes."""
    transition = TRANSITIONS[action]
    case, actor = _case_and_actor(state, role, action)
    version = case.version
    if role not in transition.roles:
        expected = NotPermitted
    elif state not in transition.sources:
        expected = TransitionNotAllowed
    else:
        case = fire(case, action, actor=actor, **PARAMS)
        assert case.state != state or action == "assign"
        assert AuditEntry.objects.filter(waiver=case, action=action).count() == 1
        return
    with pytest.raises(expected) as refused:
        fire(case, action, actor=actor, **PARAMS)
    if expected is TransitionNotAllowed:
        assert refused.value.state == state
    case.refresh_from_db()
    assert (case.state, case.version) == (state, version)
    assert not AuditEntry.objects.filter(waiver=case).exists()


def test_assigning_to_something_that_is_not_a_colleague_is_bad_input(case, applicant, reviewer):
    fire(case, "submit", actor=applicant)
    inactive = ReviewerFactory(nra=case.authority, is_active=False)
    for nobody in (ReviewerFactory(), inactive, ApplicantFactory(organisation=case.organisation)):
        with pytest.raises(InvalidInput) as refused:
            fire(case, "assign", actor=reviewer, reviewer=nobody)
        assert "reviewer" in refused.value.errors
