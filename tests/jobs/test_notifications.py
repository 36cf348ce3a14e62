"""Who is told about what, once, by e-mail and in the portal's notification list."""

import pytest
from django.core import mail

from waivers.models import DecisionLetter, Notification
from waivers.selectors import notifications as notification_reads
from waivers.services import notifications
from waivers.workflow import fire

from ..factories import ApplicantFactory, ReviewerFactory, bring_to

pytestmark = pytest.mark.django_db


def subjects_to(user):
    return [m.subject for m in mail.outbox if user.email in m.to]


def test_a_submission_tells_the_nra_queue_and_confirms_to_the_submitter(
    case, applicant, reviewer, approver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fire(case, "submit", actor=applicant)
    assert subjects_to(reviewer) == [
        f"{case.reference} submitted: {case.product.name} (Import testing)"
    ]
    assert len(subjects_to(approver)) == 1
    assert subjects_to(applicant) == [f"{case.reference} submitted to {case.authority.code}"]
    other_nra_reviewer = ReviewerFactory()
    assert subjects_to(other_nra_reviewer) == []


def test_an_information_request_and_its_answer_reach_the_other_side(
    case, applicant, reviewer, django_capture_on_commit_callbacks
):
    colleague = ApplicantFactory(organisation=case.organisation)
    stranger = ApplicantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        bring_to(case, "under_review", applicant=applicant, reviewer=reviewer)
        fire(
            case, "request_information", actor=reviewer, message="Send the 2025 inspection report."
        )
    asked = f"{case.reference}: the NRA asks for information"
    assert asked in subjects_to(applicant) and asked in subjects_to(colleague)
    assert subjects_to(stranger) == []
    with django_capture_on_commit_callbacks(execute=True):
        fire(case, "respond", actor=applicant, message="Attached.")
    assert f"{case.reference}: the applicant responded" in subjects_to(reviewer)


def test_a_decision_tells_the_applicant_and_the_letter_follows_with_its_code(
    case, decide, applicant, reviewer
):
    case = decide(case)
    letter = DecisionLetter.objects.get(waiver=case)
    assert f"{case.reference}: decision — Approved" in subjects_to(applicant)
    assert f"{case.reference}: decision — Approved" in subjects_to(reviewer)
    ready = [m for m in mail.outbox if m.subject == f"{case.reference}: decision letter ready"]
    assert [m.to for m in ready] == [[applicant.email]]
    assert f"/verify/{letter.verification_code}/" in ready[0].body


def test_sending_pending_emails_twice_sends_each_once(case, applicant, reviewer):
    notifications.notify(
        notifications.notices([applicant, reviewer], event="submitted", waiver=case, occasion="x")
    )
    assert notifications.send_pending_emails() == 2
    assert notifications.send_pending_emails() == 0
    assert len(mail.outbox) == 2


def test_the_same_occasion_is_notified_once(case, applicant):
    for _ in range(2):
        notifications.notify(
            notifications.notices([applicant], event="submitted", waiver=case, occasion="same")
        )
    assert Notification.objects.filter(user=applicant).count() == 1


def test_the_list_shows_only_my_notifications_with_the_unread_count(
    client, case, applicant, reviewer, django_assert_max_num_queries
):
    for n in range(30):
        notifications.notify(
            notifications.notices([applicant], event="submitted", waiver=case, occasion=f"{n}")
        )
    notifications.notify(
        notifications.notices([reviewer], event="assigned", waiver=case, occasion="r")
    )
    client.force_login(applicant)
    # session, user with their organisation, count, page, unread (for the page and its badge)
    with django_assert_max_num_queries(5):
        page = client.get("/notifications/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "30 unread" in body
    assert 'aria-label="30 unread"' in body  # the navigation badge
    assert "assigned to you" not in body
    assert body.count("Mark as read</button>") == 25


def test_marking_one_as_read_lowers_the_count_and_others_cannot_touch_it(
    client, case, applicant, reviewer
):
    items = notifications.notices([applicant], event="submitted", waiver=case, occasion="one")
    notifications.notify(items)
    mine = Notification.objects.get(user=applicant)
    client.force_login(reviewer)
    client.post("/notifications/read/", {"id": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is None
    client.force_login(applicant)
    response = client.post("/notifications/read/", {"id": mine.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert notification_reads.unread_count(applicant) == 0


def test_marking_all_as_read(client, case, applicant):
    for n in range(3):
        notifications.notify(
            notifications.notices([applicant], event="submitted", waiver=case, occasion=f"{n}")
        )
    client.force_login(applicant)
    page = client.post("/notifications/read/", follow=True)
    assert "3 notifications marked as read." in page.content.decode()
    assert notification_reads.unread_count(applicant) == 0


def test_a_malformed_id_is_refused_with_a_message(client, applicant):
    client.force_login(applicant)
    page = client.post("/notifications/read/", {"id": "abc"}, follow=True)
    assert page.status_code == 200
    assert "does not exist" in page.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    page = client.get("/notifications/")
    assert page.status_code == 302 and "/accounts/login/" in page.url
