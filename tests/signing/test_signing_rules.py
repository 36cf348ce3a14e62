"""Signing in the domain: a second person, a stated meaning, the password, and the lockout."""

import pytest
from django.test import override_settings

from waivers.errors import InvalidInput, NotPermitted, SignatureRejected, SigningLocked
from waivers.models import AuditEntry, Signature, State
from waivers.workflow import allowed_actions, fire

from ..factories import PASSWORD, assessment, bring_to

pytestmark = pytest.mark.django_db


def test_signer_cannot_be_the_recommender(case, applicant, approver):
    bring_to(case, "under_review", applicant=applicant, reviewer=approver)
    fire(
        case,
        "recommend",
        actor=approver,
        outcome="approve",
        rationale="Criteria met.",
        assessment=assessment(),
    )
    with pytest.raises(NotPermitted):
        fire(case, "sign", actor=approver, password=PASSWORD, meaning="approval")
    assert "sign" not in allowed_actions(case, approver)


def test_wrong_password_is_refused_audited_and_locks_signing(case, applicant, reviewer, approver):
    bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    with override_settings(SIGNING_MAX_FAILURES=2):
        for _ in range(2):
            with pytest.raises(SignatureRejected):
                fire(case, "sign", actor=approver, password="wrong", meaning="approval")
        with pytest.raises(SigningLocked):
            fire(case, "sign", actor=approver, password=PASSWORD, meaning="approval")
    case.refresh_from_db()
    assert case.state == State.RECOMMENDED
    assert AuditEntry.objects.filter(waiver=case, action="signature_refused").count() == 2
    assert not Signature.objects.exists()


def test_signature_states_its_meaning(case, applicant, reviewer, approver):
    bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    with pytest.raises(InvalidInput):
        fire(case, "sign", actor=approver, password=PASSWORD, meaning="")


def test_revocation_needs_reason_and_signature(case, applicant, reviewer, approver):
    bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    fire(case, "sign", actor=approver, password=PASSWORD, meaning="approval")
    with pytest.raises(InvalidInput):
        fire(case, "revoke", actor=approver, password=PASSWORD, reason="")
    case = fire(
        case, "revoke", actor=approver, password=PASSWORD, reason="GMP certificate withdrawn."
    )
    assert case.state == State.REVOKED
    assert case.signatures.last().meaning == "Revocation of waiver"
