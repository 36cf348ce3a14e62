"""Random sequences of actions by random people never break the workflow's invariants."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from waivers.audit import verify_entries
from waivers.errors import DomainError
from waivers.models import AuditEntry, Signature, State, WaiverRequest
from waivers.workflow import TRANSITIONS, fire

from .factories import (
    PASSWORD,
    ApplicantFactory,
    ApproverFactory,
    ReviewerFactory,
    WaiverRequestFactory,
)

PEOPLE = [
    "applicant",
    "reviewer",
    "reviewer2",
    "approver",
    "approver2",
    "stranger",
    "foreign_reviewer",
]
PARAMS = st.fixed_dictionaries(
    {
        "message": st.sampled_from(["", "Please send the inspection report."]),
        "outcome": st.sampled_from(["approve", "partial", "reject", "bogus"]),
        "rationale": st.sampled_from(["", "Mature authority."]),
        "conditions": st.sampled_from(["", "Identity test only."]),
        "password": st.sampled_from([PASSWORD, "wrong"]),
        "meaning": st.sampled_from(["approval", ""]),
        "reason": st.sampled_from(["", "Certificate withdrawn."]),
    }
)


class CaseLife(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.case = WaiverRequestFactory()
        nra = self.case.authority
        self.people = {
            "applicant": ApplicantFactory(organisation=self.case.organisation),
            "reviewer": ReviewerFactory(nra=nra),
            "reviewer2": ReviewerFactory(nra=nra),
            "approver": ApproverFactory(nra=nra),
            "approver2": ApproverFactory(nra=nra),
            "stranger": ApplicantFactory(),
            "foreign_reviewer": ReviewerFactory(),
        }
        self.entries = 0

    @rule(
        action=st.sampled_from(sorted(a for a, t in TRANSITIONS.items() if t.roles)),
        who=st.sampled_from(PEOPLE),
        params=PARAMS,
    )
    def act(self, action, who, params):
        before = WaiverRequest.objects.get(pk=self.case.pk)
        try:
            after = fire(self.case, action, actor=self.people[who], **params)
        except DomainError:
            after = WaiverRequest.objects.get(pk=self.case.pk)
            assert after.state == before.state and after.version == before.version
            return
        transition = TRANSITIONS[action]
        assert before.state in transition.sources
        assert self.people[who].role in transition.roles
        last = AuditEntry.objects.filter(waiver=self.case).order_by("-seq").first()
        assert (last.action, last.from_state, last.to_state) == (action, before.state, after.state)

    @invariant()
    def audit_chain_verifies(self):
        entries = list(AuditEntry.objects.filter(waiver=self.case).order_by("seq"))
        assert list(verify_entries(self.case.reference, entries)) == []

    @invariant()
    def every_state_change_is_audited(self):
        case = WaiverRequest.objects.get(pk=self.case.pk)
        changes = [
            e
            for e in AuditEntry.objects.filter(waiver=case).order_by("seq")
            if e.action != "signature_refused"
        ]
        assert case.version == 1 + len(changes)
        assert (changes[-1].to_state if changes else State.DRAFT) == case.state

    @invariant()
    def signer_is_never_the_recommender(self):
        case = WaiverRequest.objects.get(pk=self.case.pk)
        for signature in Signature.objects.filter(waiver=case, meaning__startswith="Approval"):
            assert signature.signer_id != case.recommended_by_id


@pytest.mark.django_db
def test_random_action_sequences_keep_the_invariants():
    run_state_machine_as_test(
        CaseLife,
        settings=settings(
            max_examples=10,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
