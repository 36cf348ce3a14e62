"""The status page of a request and what an applicant can do from it."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from waivers.models import CheckResult, DecisionLetter, State, WaiverRequest
from waivers.workflow import fire

from ..factories import CertificateFactory, ReviewerFactory, minimal_pdf
from .conftest import draft


def status_url(case):
    return reverse("applicant:status", args=[case.reference])


@pytest.fixture
def asked(member):
    """A submitted case on which the assigned reviewer asked for more information."""
    case = draft(member)
    fire(case, "submit", actor=member)
    reviewer = ReviewerFactory(nra=case.authority)
    fire(case, "assign", actor=reviewer)
    fire(case, "request_information", actor=reviewer, message="Send the 2026 GMP certificate.")
    case.refresh_from_db()
    return case


def decided(member, state=State.APPROVED):
    case = draft(member)
    now = timezone.now()
    WaiverRequest.objects.filter(pk=case.pk).update(
        state=state,
        submitted_at=now - timedelta(days=20),
        decided_at=now,
        valid_until=now.date() + timedelta(days=300),
    )
    case.refresh_from_db()
    return case


def test_the_status_page_shows_state_timeline_clock_checks_and_messages(signed_in, asked):
    CheckResult.objects.create(
        waiver=asked,
        check_name="validity",
        status="warn",
        detail="GMP expires soon.",
        ran_at=timezone.now(),
    )
    page = signed_in.get(status_url(asked)).content.decode()
    assert "Information requested" in page
    assert "Send the 2026 GMP certificate." in page
    assert "GMP expires soon." in page
    assert "<strong>Submitted</strong> by" in page
    assert "<strong>Information requested</strong> by" in page
    assert "stopped while information is requested" in page


def test_an_information_request_is_answered_with_a_message_and_new_evidence(
    signed_in, member, asked
):
    new = CertificateFactory(organisation=member.organisation)
    response = signed_in.post(
        reverse("applicant:respond", args=[asked.reference]),
        {"message": "Here it is.", "certificates": [new.pk], "version": asked.version},
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.state == State.UNDER_REVIEW
    assert new in asked.certificates.all()
    assert asked.messages.filter(kind="response", body="Here it is.").exists()


def test_an_empty_answer_is_a_field_error(signed_in, asked):
    response = signed_in.post(
        reverse("applicant:respond", args=[asked.reference]),
        {"message": "", "version": asked.version},
    )
    assert response.status_code == 400
    assert response.context["respond_form"].errors["message"]
    asked.refresh_from_db()
    assert asked.state == State.INFORMATION_REQUESTED


def test_a_stale_answer_is_refused_with_a_reload_message(signed_in, asked):
    response = signed_in.post(
        reverse("applicant:respond", args=[asked.reference]),
        {"message": "Late", "version": asked.version - 1},
    )
    assert "reload the page" in response.content.decode()
    asked.refresh_from_db()
    assert asked.state == State.INFORMATION_REQUESTED


def test_a_request_is_withdrawn_before_a_decision(signed_in, member):
    case = draft(member)
    fire(case, "submit", actor=member)
    case.refresh_from_db()
    response = signed_in.post(
        reverse("applicant:withdraw", args=[case.reference]),
        {"reason": "Product discontinued", "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN
    assert "Product discontinued" in signed_in.get(status_url(case)).content.decode()


def test_a_decided_request_cannot_be_withdrawn(signed_in, member):
    case = decided(member)
    page = signed_in.get(status_url(case)).content.decode()
    assert "Withdraw the request" not in page
    response = signed_in.post(
        reverse("applicant:withdraw", args=[case.reference]), {"version": case.version}
    )
    assert "cannot withdraw" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.APPROVED


def test_the_latest_decision_letter_downloads_as_an_attachment(signed_in, member):
    case = decided(member)
    for version, text in ((1, "first"), (2, "second")):
        letter = DecisionLetter(
            waiver=case, version=version, decision=f"d{version}", sha256="0" * 64
        )
        letter.file.save("letter.pdf", ContentFile(minimal_pdf(text)), save=True)
    response = signed_in.get(reverse("applicant:letter", args=[case.reference]))
    assert response.status_code == 200
    assert "v2.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"second" in b"".join(response.streaming_content)


def test_without_a_letter_there_is_nothing_to_download(signed_in, member):
    case = draft(member)
    assert signed_in.get(reverse("applicant:letter", args=[case.reference])).status_code == 404


@pytest.mark.parametrize("state", [State.APPROVED, State.EXPIRED])
def test_a_granted_or_expired_waiver_is_renewed_as_a_linked_draft(signed_in, member, state):
    case = decided(member, state)
    response = signed_in.post(reverse("applicant:renew", args=[case.reference]))
    renewal = WaiverRequest.objects.get(renewal_of=case)
    assert response.url == reverse("applicant:step", args=[renewal.reference, "basics"])
    assert renewal.state == State.DRAFT
    assert renewal.product == case.product and renewal.batch_size == case.batch_size
    assert set(renewal.sites.all()) == set(case.sites.all())
    assert set(renewal.certificates.all()) == set(case.certificates.all())
    assert renewal.audit_entries.filter(action="renew").exists()
    signed_in.post(reverse("applicant:renew", args=[case.reference]))
    assert case.renewals.count() == 1


def test_a_request_under_review_cannot_be_renewed(signed_in, member):
    case = draft(member)
    fire(case, "submit", actor=member)
    response = signed_in.post(reverse("applicant:renew", args=[case.reference]), follow=True)
    assert "cannot apply for renewal of" in response.content.decode()
    assert not case.renewals.exists()


@pytest.mark.parametrize("rounds", [2, 25])
def test_the_status_page_query_count_does_not_grow_with_its_history(
    signed_in, member, asked, rounds, django_assert_max_num_queries
):
    reviewer = asked.reviewer
    for n in range(rounds):
        fire(asked, "respond", actor=member, message=f"Answer {n}")
        fire(asked, "request_information", actor=reviewer, message=f"Question {n}")
    with django_assert_max_num_queries(20):
        page = signed_in.get(status_url(asked)).content.decode()
    assert f"Answer {rounds - 1}" in page
