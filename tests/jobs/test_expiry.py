"""The daily expiry sweep: waivers lapse, expiring evidence is announced once, checks follow."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from waivers.audit import entries_for, verify_entries
from waivers.checks import run_all
from waivers.models import (
    AuditEntry,
    Certificate,
    CheckResult,
    Notification,
    Recognition,
    State,
    WaiverRequest,
)
from waivers.services import notifications
from waivers.services.checks import run_for, with_check_data
from waivers.services.expiry import sweep
from waivers.workflow import fire, fire_many

from ..factories import (
    TODAY,
    ApplicantFactory,
    CertificateFactory,
    CppFactory,
    WaiverRequestFactory,
)

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


# What the sweep stores and writes --------------------------------------------------------------

BEFORE = TODAY - timedelta(days=10)


def _submitted(**changes):
    case = WaiverRequestFactory()
    WaiverRequest.objects.filter(pk=case.pk).update(
        state=State.SUBMITTED, submitted_at=timezone.now() - timedelta(days=20), **changes
    )
    return case


def _certificate(case, kind):
    return case.certificates.get(kind=kind)


def _stored(case):
    return {(r.check_name, r.status, r.detail) for r in CheckResult.objects.filter(waiver=case)}


def _afresh(case, today):
    fresh = with_check_data(WaiverRequest.objects.filter(pk=case.pk)).get()
    return {(o.check, o.status, o.detail) for o in run_all(fresh, today)}


def test_the_sweep_stores_what_running_every_check_afresh_would(db):
    expiring = _submitted()
    too_old = _submitted()
    expired = _submitted()
    dated_ahead = _submitted()
    derecognised = _submitted()
    granted = _submitted()
    WaiverRequest.objects.filter(pk=granted.pk).update(
        state=State.APPROVED, decided_at=timezone.now(), valid_until=TODAY + timedelta(days=30)
    )
    Certificate.objects.filter(pk=_certificate(expiring, "gmp").pk).update(
        valid_until=TODAY + timedelta(days=10)
    )
    Certificate.objects.filter(pk=_certificate(too_old, "cpp").pk).update(
        issued_on=TODAY - timedelta(days=729 + 5), valid_until=TODAY + timedelta(days=100)
    )
    Certificate.objects.filter(pk=_certificate(expired, "gmp").pk).update(
        valid_until=TODAY - timedelta(days=3)
    )
    Certificate.objects.filter(pk=_certificate(dated_ahead, "gmp").pk).update(
        valid_until=TODAY + timedelta(days=40)
    )
    Certificate.objects.filter(pk=_certificate(dated_ahead, "coa").pk).update(
        issued_on=TODAY - timedelta(days=2)
    )
    Recognition.objects.filter(
        authority=_certificate(derecognised, "gmp").issuing_authority
    ).update(valid_to=TODAY - timedelta(days=2))
    cases = [expiring, too_old, expired, dated_ahead, derecognised, granted]
    run_for([c.pk for c in cases], today=BEFORE)
    before = {c.pk: _stored(c) for c in cases}

    report = sweep(today=TODAY)

    assert report.cases_checked == len(cases)
    for c in cases:
        assert _stored(c) == _afresh(c, TODAY), c
    changed = {c.pk for c in cases if _stored(c) != before[c.pk]}
    assert changed == {expiring.pk, too_old.pk, expired.pk, dated_ahead.pk, derecognised.pk}


def test_a_result_the_sweep_confirms_is_not_rewritten(case, applicant):
    fire(case, "submit", actor=applicant)
    Certificate.objects.filter(pk=_certificate(case, "gmp").pk).update(
        valid_until=TODAY + timedelta(days=10)
    )
    sweep(today=TODAY)
    first = CheckResult.objects.get(waiver=case, check_name="validity")
    sweep(today=TODAY)
    again = CheckResult.objects.get(waiver=case, check_name="validity")
    assert (again.status, again.detail, again.ran_at) == (first.status, first.detail, first.ran_at)


def test_a_repeated_sweep_renders_no_notice_already_sent(case, applicant, monkeypatch):
    fire(case, "submit", actor=applicant)
    Certificate.objects.filter(pk=_certificate(case, "gmp").pk).update(
        valid_until=TODAY + timedelta(days=10)
    )
    sweep(today=TODAY)
    rendered = []
    original = notifications.render
    monkeypatch.setattr(
        notifications, "render", lambda *a, **kw: rendered.append(a) or original(*a, **kw)
    )
    report = sweep(today=TODAY)
    assert report.expiring == 1 and report.notifications == 0
    assert rendered == []


# Lapsing many waivers at once -------------------------------------------------------------------


def test_waivers_lapse_together_each_with_its_own_intact_audited_step(case, decide, applicant):
    cases = [decide(case)] + [
        decide(WaiverRequestFactory(organisation=case.organisation, authority=case.authority))
        for _ in range(3)
    ]
    with CaptureQueriesContext(connection) as one:
        fire_many({cases[0].pk: "The waiver's validity ended."}, "lapse")
    with CaptureQueriesContext(connection) as three:
        fired = fire_many({c.pk: "The waiver's validity ended." for c in cases[1:]}, "lapse")
    assert sorted(c.pk for c in fired) == sorted(c.pk for c in cases[1:])
    assert len(three) == len(one)
    for c in cases:
        c.refresh_from_db()
        assert c.state == State.EXPIRED
        entries = list(entries_for(c))
        assert not list(verify_entries(c.reference, entries))
        last = entries[-1]
        assert (last.action, last.actor_name, last.from_state, last.to_state, last.reason) == (
            "lapse",
            "system",
            State.APPROVED,
            State.EXPIRED,
            "The waiver's validity ended.",
        )
        assert last.changes["state"] == {"old": "approved", "new": "expired"}
    assert Notification.objects.filter(user=applicant, event="expired").count() == 4


def test_a_case_that_moved_on_is_left_out_of_a_batch_lapse(case, decide):
    granted = decide(case)
    draft = WaiverRequestFactory(organisation=case.organisation, authority=case.authority)
    fired = fire_many({granted.pk: "ended", draft.pk: "ended"}, "lapse")
    assert [c.pk for c in fired] == [granted.pk]
    assert not AuditEntry.objects.filter(waiver=draft, action="lapse").exists()


def test_a_transition_a_user_starts_cannot_be_fired_in_a_batch(case):
    with pytest.raises(ValueError):
        fire_many({case.pk: "no"}, "withdraw")
