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
    Announcement,
    AuditEntry,
    Certificate,
    CheckResult,
    Notification,
    Recognition,
    ReliancePolicy,
    State,
    SweepRun,
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
    ReviewerFactory,
    WaiverRequestFactory,
    bring_to,
    worst_stored_status,
)

pytestmark = pytest.mark.django_db


def digests_of(user):
    return list(Notification.objects.filter(user=user, event="sweep_digest"))


def digest_of(user):
    """The one digest the user has had (fails if there are more)."""
    (notice,) = digests_of(user)
    return notice


def mails_to(user):
    return [m for m in mail.outbox if user.email in m.to]


def _expires(case, kind, on):
    Certificate.objects.filter(pk=case.certificates.get(kind=kind).pk).update(valid_until=on)
    return case.certificates.get(kind=kind)


def test_a_waiver_past_its_validity_lapses_audited_and_its_people_are_told_in_a_digest(
    case, decide, applicant, approver, django_capture_on_commit_callbacks
):
    case = decide(case)
    after = case.valid_until + timedelta(days=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(today=after)
    case.refresh_from_db()
    assert case.state == State.EXPIRED
    assert report.lapsed == [case.reference]
    entry = AuditEntry.objects.filter(waiver=case).order_by("-seq").first()
    assert (entry.action, entry.actor_name, entry.to_state) == ("lapse", "system", "expired")
    for person in (applicant, approver):
        notice = digest_of(person)
        assert "Waivers that lapsed" in notice.body
        assert f"{case.reference} " in notice.body
        assert f"validity ended on {case.valid_until:%Y-%m-%d}" in notice.body
        (sent,) = mails_to(person)
        assert sent.subject == notice.subject and "1 lapsed" in sent.subject


def test_a_waiver_inside_the_warning_window_is_announced_once_in_advance(
    case, decide, applicant, django_capture_on_commit_callbacks
):
    case = decide(case)
    ahead = case.valid_until - timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(today=ahead)
        again = sweep(today=ahead + timedelta(days=1))
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert again.notifications == 0
    body = digest_of(applicant).body
    assert f"valid until {case.valid_until:%Y-%m-%d}, in 20 days" in body
    assert "apply for a renewal" in body


def test_each_person_gets_one_digest_listing_every_new_occasion_of_their_cases(
    case, decide, applicant, reviewer, approver, django_capture_on_commit_callbacks
):
    granted = decide(case)
    cpp = granted.certificates.get(kind="cpp")
    Certificate.objects.filter(pk=cpp.pk).update(issued_on=TODAY - timedelta(days=900))
    gmp = _expires(granted, "gmp", TODAY - timedelta(days=2))
    open_case = WaiverRequestFactory(organisation=case.organisation, authority=case.authority)
    with django_capture_on_commit_callbacks(execute=True):
        bring_to(open_case, "under_review", applicant=applicant, reviewer=reviewer)
    expiring = _expires(open_case, "gmp", TODAY + timedelta(days=10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(today=TODAY)
    assert report.notifications == 3
    told = digest_of(applicant)
    assert f"{gmp} issued by {gmp.issuing_authority.code} expired on " in told.body
    assert f"{expiring} issued by {expiring.issuing_authority.code} expires on " in told.body
    assert (
        f"/cases/{granted.reference}/" in told.body
        and f"/cases/{open_case.reference}/" in told.body
    )
    assert "1 expired, 1 expiring" in told.subject
    assert f"{open_case.reference} " in digest_of(reviewer).body
    assert granted.reference not in digest_of(reviewer).body
    flagged = digest_of(approver)
    assert "revoke or confirm" in flagged.body
    assert f"{granted.reference} " in flagged.body and "the validity check fails" in flagged.body
    assert open_case.reference not in flagged.body
    assert sorted(len(mails_to(p)) for p in (applicant, reviewer, approver)) == [1, 1, 1]


def test_a_repeated_sweep_sends_nothing_new_and_a_new_occasion_next_day_a_new_digest(
    case, applicant, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)
    gmp = _expires(case, "gmp", TODAY + timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(today=TODAY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        same_day = sweep(today=TODAY)
        next_day = sweep(today=TODAY + timedelta(days=1))
    assert same_day.expiring == next_day.expiring == 1
    assert same_day.notifications == next_day.notifications == 0
    assert mail.outbox == []
    cpp = _expires(case, "cpp", TODAY + timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        later = sweep(today=TODAY + timedelta(days=2))
    assert later.notifications == 2
    latest = max(digests_of(applicant), key=lambda n: n.pk)
    assert str(cpp) in latest.body and str(gmp) not in latest.body
    assert [m.subject for m in mail.outbox] == [latest.subject] * 2


def test_nobody_finds_another_organisations_or_nras_cases_in_their_digest(
    case, applicant, reviewer, django_capture_on_commit_callbacks
):
    other = WaiverRequestFactory()
    stranger = ApplicantFactory(organisation=other.organisation)
    other_reviewer = ReviewerFactory(nra=other.authority)
    with django_capture_on_commit_callbacks(execute=True):
        for c, who, nra in ((case, applicant, reviewer), (other, stranger, other_reviewer)):
            bring_to(c, "under_review", applicant=who, reviewer=nra)
            _expires(c, "gmp", TODAY + timedelta(days=5))
        sweep(today=TODAY)
    for person, own, foreign in (
        (applicant, case, other),
        (reviewer, case, other),
        (stranger, other, case),
        (other_reviewer, other, case),
    ):
        body = digest_of(person).body
        assert own.reference in body and foreign.reference not in body


def test_evidence_that_holds_again_and_then_fails_is_flagged_again(
    case, decide, approver, django_capture_on_commit_callbacks
):
    case = decide(case)
    _expires(case, "gmp", TODAY + timedelta(days=30))
    cpp = case.certificates.get(kind="cpp")
    with django_capture_on_commit_callbacks(execute=True):
        for issued_days_ago in (900, 100, 900):
            Certificate.objects.filter(pk=cpp.pk).update(
                issued_on=TODAY - timedelta(days=issued_days_ago)
            )
            sweep(today=TODAY)
    flags = [n for n in digests_of(approver) if "revoke or confirm" in n.body]
    assert len(flags) == 2


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


# Each day's sweep continues from the last ------------------------------------------------------

DAY = timedelta(days=1)
MONTH_AGO = timezone.now() - timedelta(days=30)


def _reviewed(case, applicant, reviewer, capture):
    with capture(execute=True):
        return bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)


def _left_alone(case):
    """As a case nobody has changed, nor given new evidence, for a month."""
    WaiverRequest.objects.filter(pk=case.pk).update(updated_at=MONTH_AGO)
    Certificate.objects.filter(organisation=case.organisation).update(uploaded_at=MONTH_AGO)


def test_a_certificate_entering_the_warning_window_between_two_daily_sweeps_is_announced_the_next_day(
    case, applicant, reviewer, django_capture_on_commit_callbacks
):
    _reviewed(case, applicant, reviewer, django_capture_on_commit_callbacks)
    gmp = _expires(case, "gmp", TODAY + timedelta(days=91))
    _left_alone(case)
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep(today=TODAY)
        second = sweep(today=TODAY + DAY)
    assert first.notifications == 0
    assert (second.since, second.cases_checked, second.expiring) == (TODAY, 1, 1)
    for person in (applicant, reviewer):
        assert f"{gmp} issued by {gmp.issuing_authority.code} expires on " in digest_of(person).body


def test_a_certificate_already_inside_the_window_linked_after_the_last_sweep_is_announced_next(
    case, applicant, reviewer, django_capture_on_commit_callbacks
):
    case = _reviewed(case, applicant, reviewer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        case = fire(case, "request_information", actor=reviewer, message="The CPP is too old.")
    renewal = CppFactory(organisation=case.organisation, valid_until=TODAY + timedelta(days=30))
    _left_alone(case)
    sweep(today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        fire(case, "respond", actor=applicant, message="Renewed CPP.", certificates=[renewal])
        report = sweep(today=TODAY + DAY)
    assert (report.since, report.cases_checked, report.expiring) == (TODAY, 1, 1)
    assert f"{renewal} issued by " in digest_of(applicant).body


def test_a_missed_week_is_caught_up(case, applicant, reviewer, django_capture_on_commit_callbacks):
    _reviewed(case, applicant, reviewer, django_capture_on_commit_callbacks)
    gmp = _expires(case, "gmp", TODAY + timedelta(days=3))
    cpp = _expires(case, "cpp", TODAY + timedelta(days=95))
    _left_alone(case)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(today=TODAY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(today=TODAY + timedelta(days=7))
    assert (report.since, report.expired, report.expiring) == (TODAY, 1, 1)
    latest = max(digests_of(applicant), key=lambda n: n.pk)
    assert f"{gmp} issued by {gmp.issuing_authority.code} expired on " in latest.body
    assert f"{cpp} issued by {cpp.issuing_authority.code} expires on " in latest.body
    assert "1 expired, 1 expiring" in latest.subject


def test_a_policy_whose_window_grew_makes_the_next_sweep_announce_what_falls_inside_it(
    case, applicant, reviewer, django_capture_on_commit_callbacks
):
    _reviewed(case, applicant, reviewer, django_capture_on_commit_callbacks)
    gmp = _expires(case, "gmp", TODAY + timedelta(days=150))
    _left_alone(case)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(today=TODAY)
        policy = ReliancePolicy.objects.get(authority=case.authority)
        policy.expiry_warning_days = 180
        policy.save()
        report = sweep(today=TODAY + DAY)
    assert report.since is None and report.expiring == 1
    assert f"{gmp} issued by " in digest_of(applicant).body


def test_a_second_sweep_the_same_day_rechecks_and_announces_nothing(
    case, applicant, reviewer, django_capture_on_commit_callbacks
):
    _reviewed(case, applicant, reviewer, django_capture_on_commit_callbacks)
    _expires(case, "gmp", TODAY + timedelta(days=10))
    _left_alone(case)
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep(today=TODAY)
        again = sweep(today=TODAY)
    assert first.announced == 1
    assert (again.since, again.cases_checked, again.announced, again.notifications) == (
        TODAY,
        0,
        0,
        0,
    )
    assert [r.day for r in SweepRun.objects.all()] == [TODAY, TODAY]


def test_nothing_is_recorded_when_the_sweep_fails(
    case, applicant, reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    _reviewed(case, applicant, reviewer, django_capture_on_commit_callbacks)
    _expires(case, "gmp", TODAY + timedelta(days=10))

    def mail_store_down(items):
        raise RuntimeError("the notification store is down")

    monkeypatch.setattr(notifications, "notify", mail_store_down)
    with pytest.raises(RuntimeError):
        sweep(today=TODAY)
    assert not SweepRun.objects.exists() and not Announcement.objects.exists()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retried = sweep(today=TODAY)
    assert retried.since is None and retried.announced == 1
    (recorded,) = SweepRun.objects.all()
    assert (recorded.day, recorded.full, recorded.announced, recorded.notifications) == (
        TODAY,
        True,
        1,
        2,
    )


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
    # Outside the 90-day warning window at BEFORE, inside it today.
    Certificate.objects.filter(pk=_certificate(expiring, "gmp").pk).update(
        valid_until=TODAY + timedelta(days=85)
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
        c.refresh_from_db()
        assert c.check_status == worst_stored_status(c), c  # what the queue filters on
    assert {c.check_status for c in cases} == {"pass", "warn", "fail"}
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


# Lapsing many waivers at once -------------------------------------------------------------------


def test_waivers_lapse_together_each_with_its_own_intact_audited_step(case, decide):
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


def test_a_case_that_moved_on_is_left_out_of_a_batch_lapse(case, decide):
    granted = decide(case)
    draft = WaiverRequestFactory(organisation=case.organisation, authority=case.authority)
    fired = fire_many({granted.pk: "ended", draft.pk: "ended"}, "lapse")
    assert [c.pk for c in fired] == [granted.pk]
    assert not AuditEntry.objects.filter(waiver=draft, action="lapse").exists()


def test_a_transition_a_user_starts_cannot_be_fired_in_a_batch(case):
    with pytest.raises(ValueError):
        fire_many({case.pk: "no"}, "withdraw")
