"""The case review page: what it shows, which actions it offers, and what it hides from others."""

from datetime import timedelta

import pytest

from waivers.models import Message

from ..factories import (
    ApplicantFactory,
    ApproverFactory,
    CheckResultFactory,
    ReviewerFactory,
    WaiverRequestFactory,
)

pytestmark = pytest.mark.django_db


def page(client, user, case):
    client.force_login(user)
    response = client.get(f"/nra/cases/{case.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_case_page_shows_request_impact_evidence_checks_messages_and_timeline(
    client, submitted, reviewer, applicant
):
    CheckResultFactory(
        waiver=submitted, check_name="validity", status="warn", detail="GMP expires in 40 days."
    )
    Message.objects.create(waiver=submitted, author=applicant, kind="note", body="Hello NRA")
    html = page(client, reviewer, submitted)
    assert submitted.organisation.name in html and submitted.product.name in html
    assert "Patients lost to in-country testing" in html
    for cert in submitted.certificates.all():
        assert cert.sha256 in html
        assert f"/nra/cases/{submitted.reference}/certificates/{cert.pk}/view/" in html
        assert f"/nra/cases/{submitted.reference}/certificates/{cert.pk}/download/" in html
    assert "GMP expires in 40 days." in html and "Warning" in html
    assert "Hello NRA" in html
    assert "<strong>Submitted</strong> by" in html


def test_case_page_needs_a_constant_number_of_queries(
    client, submitted, reviewer, applicant, django_assert_max_num_queries
):
    for n in range(10):
        CheckResultFactory(waiver=submitted)
        Message.objects.create(waiver=submitted, author=applicant, kind="note", body=f"Note {n}")
    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        assert client.get(f"/nra/cases/{submitted.reference}/").status_code == 200


def test_submitted_case_offers_take_and_assign_but_no_decision(client, submitted, reviewer):
    html = page(client, reviewer, submitted)
    assert "Take this case" in html and "Assign" in html
    assert "Request information" not in html and "Sign the decision" not in html


def test_assigned_reviewer_may_request_information_and_recommend(client, under_review, reviewer):
    html = page(client, reviewer, under_review)
    assert "Request information" in html and "Record the recommendation" in html
    assert "Take this case" not in html


def test_a_colleague_who_is_not_assigned_cannot_recommend(client, under_review, reviewer):
    colleague = ReviewerFactory(nra=under_review.authority)
    html = page(client, colleague, under_review)
    assert "Record the recommendation" not in html and "Request information" not in html


def test_the_recommending_reviewer_sees_no_sign_button(client, recommended, reviewer):
    html = page(client, reviewer, recommended)
    assert "Sign the decision" not in html and "Return to the reviewer" not in html


def test_the_approver_sees_sign_and_return_with_the_meaning(client, recommended, approver):
    html = page(client, approver, recommended)
    assert "Sign the decision" in html and "Return to the reviewer" in html
    assert "Approval of waiver decision" in html


def test_decision_shows_the_signature_manifest(client, approved, approver, reviewer):
    signature = approved.signatures.get()
    html = page(client, reviewer, approved)
    assert "Signature manifest" in html
    assert signature.printed_name in html and signature.content_hash in html
    assert "Approval of waiver decision" in html
    assert signature.signed_at.strftime("%Y-%m-%d %H:%M:%S") + " UTC" in html


def test_shared_case_page_shows_the_decision_and_signature_to_the_applicant(
    client, approved, applicant
):
    client.force_login(applicant)
    html = client.get(f"/cases/{approved.reference}/").content.decode()
    assert "Signature manifest" in html and approved.signatures.get().content_hash in html


def test_inline_view_may_be_framed_by_this_site_only(client, submitted, reviewer):
    cert = submitted.certificates.first()
    client.force_login(reviewer)
    response = client.get(f"/nra/cases/{submitted.reference}/certificates/{cert.pk}/view/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_download_is_an_attachment_that_is_never_sniffed(client, submitted, reviewer):
    cert = submitted.certificates.first()
    client.force_login(reviewer)
    response = client.get(f"/nra/cases/{submitted.reference}/certificates/{cert.pk}/download/")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_a_certificate_of_another_case_is_not_reachable_through_this_one(
    client, submitted, reviewer
):
    other = WaiverRequestFactory(authority=submitted.authority)
    foreign = other.certificates.first()
    client.force_login(reviewer)
    url = f"/nra/cases/{submitted.reference}/certificates/{foreign.pk}/download/"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "suffix",
    ["", "audit.csv", "audit.pdf", "certificates/{cert}/view/", "certificates/{cert}/download/"],
)
def test_reviewers_of_another_nra_get_404_on_every_page_and_file(
    client, submitted, other_reviewer, suffix
):
    cert = submitted.certificates.first()
    client.force_login(other_reviewer)
    url = f"/nra/cases/{submitted.reference}/" + suffix.format(cert=cert.pk)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "slug", ["take", "assign", "request-information", "recommend", "return", "sign", "revoke"]
)
def test_reviewers_of_another_nra_get_404_on_every_action(client, submitted, slug):
    client.force_login(ApproverFactory())
    response = client.post(
        f"/nra/cases/{submitted.reference}/{slug}/", {"expected_version": submitted.version}
    )
    assert response.status_code == 404


def test_drafts_are_invisible_to_the_nra(client, case, reviewer):
    client.force_login(reviewer)
    assert client.get(f"/nra/cases/{case.reference}/").status_code == 404


def test_applicants_cannot_use_the_nra_pages(client, submitted, applicant):
    client.force_login(applicant)
    assert client.get(f"/nra/cases/{submitted.reference}/").status_code == 403
    client.force_login(ApplicantFactory())
    assert client.get(f"/nra/cases/{submitted.reference}/").status_code == 403


def test_an_overdue_case_says_so_against_the_nras_target(client, submitted, reviewer):
    submitted.authority.policy.target_review_days = 10
    submitted.authority.policy.save()
    submitted.submitted_at -= timedelta(days=12)
    submitted.save()
    html = page(client, reviewer, submitted)
    assert "12 of 10 days on the clock — overdue" in html
