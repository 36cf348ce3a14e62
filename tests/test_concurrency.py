"""Two people acting on one case at the same moment: the row lock lets exactly one through."""

import threading

import pytest
from django.db import connection, connections

from waivers.errors import DomainError
from waivers.models import AuditEntry, Signature, State
from waivers.workflow import fire

from .factories import PASSWORD, ApproverFactory, ReviewerFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def race(*calls):
    barrier, results = threading.Barrier(len(calls)), []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except DomainError as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_approvers_signing_at_once_give_one_decision(case, applicant, reviewer):
    first, second = ApproverFactory(nra=case.authority), ApproverFactory(nra=case.authority)
    fire(case, "submit", actor=applicant)
    fire(case, "assign", actor=reviewer)
    fire(case, "recommend", actor=reviewer, outcome="approve", rationale="ok")
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
