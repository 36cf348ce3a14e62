"""No lost work: tasks run once, failures are kept for an operator, the catch-up finishes the rest."""

import pytest
from django.core import mail
from django.test import override_settings

from waivers.models import DecisionLetter, OutboxMessage, State
from waivers.services import outbox
from waivers.tasks import drain_outbox, issue_letter, send_notification_emails

from ..factories import UserFactory, bring_to

pytestmark = pytest.mark.django_db


class UnreachableMailServer:
    """Stands in for a remote SMTP server that refuses connections (the one thing not run here)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server refused the connection")


def test_running_the_letter_task_twice_gives_one_letter_and_one_email(case, decide, applicant):
    case = decide(case)
    issue_letter(case.pk)
    issue_letter(case.pk)
    send_notification_emails()
    assert DecisionLetter.objects.filter(waiver=case).count() == 1
    ready = [m for m in mail.outbox if m.subject.endswith("decision letter ready")]
    assert len(ready) == 1


def test_a_decision_signed_while_the_broker_is_down_gets_its_letter_from_the_catch_up(
    case,
    applicant,
    reviewer,
    approver,
    broker_at,
    unused_port,
    django_capture_on_commit_callbacks,
    settings,
):
    from portal.celery import app

    case = bring_to(case, "recommended", applicant=applicant, reviewer=reviewer)
    app.conf.task_always_eager = False
    broker_at(f"redis://127.0.0.1:{unused_port}/5")
    with django_capture_on_commit_callbacks(execute=True):
        case = bring_to(case, "decided", approver=approver)
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert not DecisionLetter.objects.filter(waiver=case).exists()
    pending = OutboxMessage.objects.get(task="waivers.tasks.issue_letter")
    assert pending.done_at is None
    assert "broker is unreachable" in pending.last_error

    app.conf.task_always_eager = True
    assert drain_outbox(older_than_seconds=0) >= 1
    assert DecisionLetter.objects.filter(waiver=case).count() == 1
    pending.refresh_from_db()
    assert pending.done_at is not None
    drain_outbox(older_than_seconds=0)
    assert DecisionLetter.objects.filter(waiver=case).count() == 1


def test_a_failing_task_keeps_its_error_where_an_operator_sees_it(
    client, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("waivers.tasks.issue_letter", waiver_id=case.pk)
    message = OutboxMessage.objects.get(task="waivers.tasks.issue_letter")
    assert message.done_at is None and message.attempts == 1
    assert "no decision to write up" in message.last_error
    admin = UserFactory(is_staff=True, is_superuser=True, organisation=None)
    client.force_login(admin)
    page = client.get("/admin/waivers/outboxmessage/")
    assert "no decision to write up" in page.content.decode()


def test_an_unreachable_mail_server_leaves_the_email_to_be_sent_later(
    case, applicant, django_capture_on_commit_callbacks
):
    from waivers.services import notifications

    with (
        override_settings(EMAIL_BACKEND="tests.jobs.test_outbox.UnreachableMailServer"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications.notify(
            notifications.notices([applicant], event="submitted", waiver=case, occasion="m")
        )
    message = OutboxMessage.objects.get(task="waivers.tasks.send_notification_emails")
    assert message.attempts >= 1 and "refused" in message.last_error
    assert message.done_at is None
    drain_outbox(older_than_seconds=0)
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    message.refresh_from_db()
    assert message.done_at is not None


def test_the_catch_up_leaves_fresh_messages_to_the_normal_path(case):
    outbox.enqueue("waivers.tasks.run_case_checks", waiver_id=case.pk)
    assert drain_outbox() == 0
