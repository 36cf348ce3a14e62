"""The real path: a ``celery -A portal worker`` process consuming from Redis, on PostgreSQL.

Run with REDIS_URL (the worker uses that Redis database) and DATABASE_URL pointing at PostgreSQL;
the worker process is given the test database, so both sides see the same rows.
"""

import io
import time

import pytest
from pypdf import PdfReader

from waivers.models import DecisionLetter, Notification, OutboxMessage, State
from waivers.services import outbox
from waivers.tasks import drain_outbox, issue_letter

from ..factories import bring_to
from .processes import REAL_PROCESSES, celery_worker, wait_for

pytestmark = REAL_PROCESSES


@pytest.fixture(scope="module")
def worker_media(tmp_path_factory):
    return tmp_path_factory.mktemp("worker-media")


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, worker_media, tmp_path_factory):
    """A worker subprocess on the test database, started once for this module."""
    with celery_worker(worker_media, tmp_path_factory.mktemp("worker-log")) as process:
        yield process


@pytest.fixture
def worker(celery_worker_process, settings, worker_media):
    """The worker, with this test reading files where the worker writes them."""
    settings.MEDIA_ROOT = worker_media
    return celery_worker_process


def letter_text(letter: DecisionLetter) -> str:
    with letter.file.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_signing_a_decision_yields_exactly_one_letter_from_the_worker(
    worker, case, applicant, reviewer, approver
):
    case = bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    bring_to(case, "decided", approver=approver)
    wait_for(lambda: DecisionLetter.objects.filter(waiver=case).exists(), "the letter")
    wait_for(
        lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
        "every queued task to finish",
    )
    letter = DecisionLetter.objects.get(waiver=case)
    text = letter_text(letter)
    for expected in (case.reference, "Approved", approver.printed_name, letter.verification_code):
        assert expected in text
    assert Notification.objects.filter(user=applicant, event="letter_issued").count() == 1


def test_running_the_letter_task_twice_gives_one_letter_and_one_email(
    worker, case, applicant, reviewer, approver
):
    case = bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    bring_to(case, "decided", approver=approver)
    wait_for(lambda: DecisionLetter.objects.filter(waiver=case).exists(), "the first letter")
    issue_letter.delay(case.pk)
    issue_letter.delay(case.pk)
    # One worker takes the queue in order: once this later task is done, the repeats are too.
    marker = outbox.enqueue("waivers.tasks.send_notification_emails")
    wait_for(
        lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
        "the repeated tasks and the e-mails",
    )
    marker.refresh_from_db()
    assert marker.done_at is not None
    assert DecisionLetter.objects.filter(waiver=case).count() == 1
    ready = Notification.objects.filter(user=applicant, event="letter_issued")
    assert ready.count() == 1
    assert ready.get().emailed_at is not None


def test_a_decision_signed_while_the_broker_is_down_gets_its_letter_when_it_is_back(
    worker, case, applicant, reviewer, approver, broker_at, unused_port
):
    from portal.celery import app

    case = bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    wait_for(
        lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
        "the review steps' tasks",
    )
    real_broker = app.conf.broker_url
    broker_at(f"redis://127.0.0.1:{unused_port}/5")
    bring_to(case, "decided", approver=approver)
    case.refresh_from_db()
    assert case.state == State.APPROVED
    letter_job = OutboxMessage.objects.get(task="waivers.tasks.issue_letter")
    assert letter_job.done_at is None and "unreachable" in letter_job.last_error
    time.sleep(2)
    assert not DecisionLetter.objects.filter(waiver=case).exists()

    broker_at(real_broker)
    drain_outbox.delay(older_than_seconds=0)
    # The job is marked done after its letter commits: waiting for the letter alone raced it.
    wait_for(lambda: outbox.is_done(letter_job.pk), "the caught-up letter's job")
    assert DecisionLetter.objects.filter(waiver=case).count() == 1
    assert case.reference in letter_text(DecisionLetter.objects.get(waiver=case))
