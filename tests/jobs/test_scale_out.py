"""Scaled out on the real engines: two gunicorn instances and two Celery workers on one PostgreSQL
and one Redis. The row lock and the outbox, not the process count, decide what happens once."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from waivers.models import DecisionLetter, Notification, OutboxMessage, Signature, State, User
from waivers.services.tokens import issue_token
from waivers.tasks import issue_letter

from ..factories import PASSWORD, ApproverFactory, bring_to
from .processes import REAL_PROCESSES, celery_worker, gunicorn_server, wait_for

pytestmark = REAL_PROCESSES


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("scale-out-media")


@pytest.fixture(scope="module")
def two_of_each(django_db_setup, media, tmp_path_factory):
    """Two web instances and two workers, as a deployment grown sideways runs them."""
    logs = tmp_path_factory.mktemp("scale-out-logs")
    with (
        celery_worker(media, logs),
        celery_worker(media, logs),
        gunicorn_server(media, logs) as first,
        gunicorn_server(media, logs) as second,
    ):
        yield first, second


def sign(base: str, case_id: int, token: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/waivers/{case_id}/sign/",
        data=json.dumps({"password": PASSWORD, "meaning": "approval"}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def approver_with_a_production_hash(case):
    """The web instances hash with the production hashers, not the suite's cheap one."""
    approver = ApproverFactory(nra=case.authority)
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "scaleoutsalt", iterations=1000)
    User.objects.filter(pk=approver.pk).update(password=hashed)
    return approver


def test_two_approvers_signing_on_two_instances_give_one_decision_and_one_letter(
    two_of_each, settings, media, case, applicant, reviewer
):
    settings.MEDIA_ROOT = media
    bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    tokens = [issue_token(user=approver_with_a_production_hash(case))[0] for _ in range(2)]
    barrier, statuses = threading.Barrier(2), []

    def at_once(base, token):
        barrier.wait()
        statuses.append(sign(base, case.pk, token))

    threads = [
        threading.Thread(target=at_once, args=(base, token))
        for base, token in zip(two_of_each, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert Signature.objects.filter(waiver=case).count() == 1
    # Both workers take from one queue; repeats of the letter task find the letter made.
    wait_for(lambda: DecisionLetter.objects.filter(waiver=case).exists(), "the letter")
    issue_letter.delay(case.pk)
    issue_letter.delay(case.pk)
    wait_for(
        lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
        "every queued task to be done",
    )
    assert DecisionLetter.objects.filter(waiver=case).count() == 1
    assert Notification.objects.filter(user=applicant, event="letter_issued").count() == 1
