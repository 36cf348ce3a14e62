"""Two people (or two sweeps) acting at the same moment: a lock or a constraint lets one through."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections

from waivers.errors import DomainError, SignatureRejected, SigningLocked
from waivers.models import AuditEntry, Certificate, Notification, Signature, State
from waivers.services.expiry import sweep
from waivers.workflow import fire

from .factories import (
    PASSWORD,
    TODAY,
    ApplicantFactory,
    ApproverFactory,
    ReviewerFactory,
    bring_to,
)
from .world import client_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def race(*calls, refused=(DomainError,)):
    barrier, results = threading.Barrier(len(calls)), []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except refused as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_assigns_without_a_version_at_once_give_one_assignment_and_409s(
    case, applicant, reviewer
):
    fire(case, "submit", actor=applicant)
    client = client_for(reviewer)
    url = f"/api/v1/waivers/{case.pk}/assign/"
    statuses = race(*[lambda: client.post(url, {}, format="json").status_code] * 20)
    assert sorted(statuses) == [200] + [409] * 19
    assert AuditEntry.objects.filter(waiver=case, action="assign").count() == 1


def test_two_approvers_signing_at_once_give_one_decision(case, applicant, reviewer):
    first, second = ApproverFactory(nra=case.authority), ApproverFactory(nra=case.authority)
    bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    results = race(
        lambda: fire(case.pk, "sign", actor=first, password=PASSWORD, meaning="approval"),
        lambda: fire(case.pk, "sign", actor=second, password=PASSWORD, meaning="approval"),
    )
    assert sum(isinstance(r, DomainError) for r in results) == 1
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert Signature.objects.filter(waiver=case).count() == 1
    assert list(AuditEntry.objects.filter(waiver=case).values_list("seq", flat=True)) == [
        1,
        2,
        3,
        4,
    ]


def test_two_reviewers_taking_the_same_case_at_once_both_serialise(case, applicant):
    one, two = ReviewerFactory(nra=case.authority), ReviewerFactory(nra=case.authority)
    fire(case, "submit", actor=applicant)
    version = case.__class__.objects.get(pk=case.pk).version
    results = race(
        lambda: fire(case.pk, "assign", actor=one, expected_version=version),
        lambda: fire(case.pk, "assign", actor=two, expected_version=version),
    )
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert AuditEntry.objects.filter(waiver=case, action="assign").count() == 1


def test_two_sweeps_at_once_announce_each_occasion_once(case):
    applicant = ApplicantFactory(organisation=case.organisation)
    fire(case, "submit", actor=applicant)
    gmp = case.certificates.get(kind="gmp")
    Certificate.objects.filter(pk=gmp.pk).update(valid_until=TODAY + timedelta(days=10))
    results = race(
        lambda: sweep(today=TODAY), lambda: sweep(today=TODAY), refused=(IntegrityError,)
    )
    assert sum(r.notifications for r in results if not isinstance(r, IntegrityError)) == 1
    assert Notification.objects.filter(user=applicant, event="sweep_digest").count() == 1


def test_twenty_wrong_signing_passwords_at_once_reach_the_password_check_at_most_three_times(
    case, applicant, reviewer, settings
):
    settings.SIGNING_MAX_FAILURES = 3
    approver = ApproverFactory(nra=case.authority)
    bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    results = race(
        *[
            lambda: fire(case.pk, "sign", actor=approver, password="guess", meaning="approval")
            for _ in range(20)
        ]
    )
    assert sum(isinstance(r, SignatureRejected) for r in results) == 3
    assert sum(isinstance(r, SigningLocked) for r in results) == 17
    assert AuditEntry.objects.filter(waiver=case, action="signature_refused").count() == 3
    case.refresh_from_db()
    assert case.state == State.RECOMMENDED
