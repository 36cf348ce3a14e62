"""The approver's step on the case page: signing with a password, returning, revoking."""

import pytest

from waivers.models import AuditEntry, State

from ..factories import PASSWORD, ApproverFactory, checklist_post
from ..pages import act

pytestmark = pytest.mark.django_db


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
