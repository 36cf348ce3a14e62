"""The daily expiry sweep: waivers lapse, expiring evidence is announced once, checks follow."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waivers.models import AuditEntry, CheckResult, Notification, State
from waivers.services.expiry import sweep
from waivers.workflow import fire

from ..factories import TODAY, ApplicantFactory, CertificateFactory, CppFactory

pytestmark = pytest.mark.django_db


def events_of(user):
    return sorted(Notification.objects.filter(user=user).values_list("event", flat=True))


def test_a_waiver_past_its_validity_lapses_audited_and_the_applicant_is_told(
    case, decide, applicant, approver, django_capture_on_commit_callbacks
):
    case = decide(case)
    after = case.valid_until + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(today=after)
    case.refresh_from_db()
    assert case.state == State.EXPIRED
    assert report.lapsed == [case.reference]
    entry = AuditEntry.objects.filter(waiver=case).order_by("-seq").first()
    assert (entry.action, entry.actor_name, entry.to_state) == ("lapse", "system", "expired")
    assert "expired" in events_of(applicant)
    assert "expired" in events_of(approver)
    assert any("waiver expired" in m.subject for m in mail.outbox if applicant.email in m.to)


def test_a_waiver_inside_the_warning_window_is_announced_once_in_advance(
    case, decide, applicant, django_capture_on_commit_callbacks
):
    case = decide(case)
    ahead = case.valid_until - timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(today=ahead)
        sweep(today=ahead + timedelta(days=1))
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert events_of(applicant).count("waiver_expiring") == 1
    notice = Notification.objects.get(user=applicant, event="waiver_expiring")
    assert f"valid until {case.valid_until:%Y-%m-%d}" in notice.body
    assert "renewal" in notice.body


def test_evidence_entering_the_warning_window_warns_applicant_and_reviewer_of_an_open_case(
    case, applicant, reviewer, django_capture_on_commit_callbacks
):
    fire(case, "submit", actor=applicant)
    fire(case, "assign", actor=reviewer)
    gmp = case.certificates.get(kind="gmp")
    type(gmp).objects.filter(pk=gmp.pk).update(valid_until=TODAY + timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(today=TODAY)
        again = sweep(today=TODAY)
    assert report.expiring == 1 and report.cases_checked == 1
    assert events_of(applicant).count("evidence_expiring") == 1
    assert events_of(reviewer).count("evidence_expiring") == 1
    assert again.notifications == 0
    validity = CheckResult.objects.get(waiver=case, check_name="validity")
    assert validity.status == "warn" and "in 10 days" in validity.detail
    sent = [m for m in mail.outbox if "expires in 10 days" in m.subject]
    assert sorted(m.to[0] for m in sent) == sorted([applicant.email, reviewer.email])


def test_a_granted_waiver_whose_evidence_no_longer_holds_is_flagged_to_the_approvers(
    case, decide, approver, django_capture_on_commit_callbacks
):
    case = decide(case)
    cpp = case.certificates.get(kind="cpp")
    type(cpp).objects.filter(pk=cpp.pk).update(issued_on=TODAY - timedelta(days=900))
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(today=TODAY)
    assert report.flagged == [case.reference]
    notice = Notification.objects.get(user=approver, event="evidence_lapsed")
    assert "revoke" in notice.subject and "900 days ago" in notice.body


def test_drafts_and_closed_cases_are_left_alone(db, django_capture_on_commit_callbacks):
    applicant = ApplicantFactory()
    CertificateFactory(
        organisation=applicant.organisation,
        issued_on=TODAY - timedelta(days=400),
        valid_until=TODAY - timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(today=TODAY)
    assert report.cases_checked == 0 and report.notifications == 0
    assert not Notification.objects.exists()


def test_the_sweep_costs_the_same_queries_however_many_certificates_expire_elsewhere(
    case, applicant, reviewer
):
    fire(case, "submit", actor=applicant)
    gmp = case.certificates.get(kind="gmp")
    type(gmp).objects.filter(pk=gmp.pk).update(valid_until=TODAY + timedelta(days=5))
    sweep(today=TODAY)
    with CaptureQueriesContext(connection) as few:
        sweep(today=TODAY)
    for n in range(60):
        CppFactory(valid_until=TODAY + timedelta(days=n % 80))
    with CaptureQueriesContext(connection) as many:
        sweep(today=TODAY)
    assert len(many) == len(few)


def test_run_checks_runs_the_sweep_by_hand_and_reports(case, decide, capsys):
    case = decide(case)
    call_command("run_checks", "--today", str(case.valid_until + timedelta(days=1)))
    out = capsys.readouterr().out
    assert f"1 waivers lapsed: {case.reference}" in out
    case.refresh_from_db()
    assert case.state == State.EXPIRED


def test_run_checks_refuses_a_date_it_cannot_read(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("run_checks", "--today", "next tuesday")
