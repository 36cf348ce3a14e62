"""The benchmark's data generator builds a consistent data set (tiny here, national in bench/).

At 100,000 cases it must stay well under 10 minutes, the closing sweep for yesterday included
(measured by ``bench/run.py``, see bench/README.md).
"""

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Max
from django.utils import timezone

from tests.factories import WaiverRequestFactory, worst_stored_status
from waivers.audit import verify_all
from waivers.models import (
    DECIDED_STATES,
    Announcement,
    AuditEntry,
    Certificate,
    CheckResult,
    Notification,
    Signature,
    State,
    SweepRun,
    User,
    WaiverRequest,
)
from waivers.services.cases import next_reference
from waivers.services.expiry import sweep
from waivers.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    call_command(
        "generate_load_data",
        cases=60,
        certificates=600,
        long_case_entries=40,
        stdout=io.StringIO(),
    )


def test_generator_creates_the_requested_cases_certificates_and_audit_entries(generated):
    assert WaiverRequest.objects.count() == 60
    assert Certificate.objects.count() == 600
    entries = AuditEntry.objects.count()
    assert 59 * 12 + 40 <= entries <= 59 * 28 + 40


def test_generated_certificates_meet_the_rules_of_their_kind(generated):
    """Written as raw rows for speed, they still hold what the model's validation demands."""
    for certificate in Certificate.objects.all():
        certificate.full_clean(exclude=["file"], validate_unique=False, validate_constraints=False)


def test_generated_audit_chains_verify(generated):
    verified = verify_all()
    assert verified.breaks == [] and verified.entries == AuditEntry.objects.count()
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out)
    assert f"{AuditEntry.objects.count()} entries verified" in out.getvalue()


def test_each_generated_trail_starts_at_one_and_ends_in_the_cases_state(generated):
    for case in WaiverRequest.objects.annotate(
        n=Count("audit_entries"), top=Max("audit_entries__seq")
    ):
        assert case.n == case.top
        last = case.audit_entries.order_by("-seq").first()
        assert last.to_state == case.state, case.reference


def test_every_generated_state_change_is_a_transition_of_the_workflow_table(generated):
    """The generator takes its routes from TRANSITIONS: no step the workflow could not fire."""
    changes = AuditEntry.objects.exclude(from_state="").exclude(from_state=F("to_state"))
    seen = set()
    for action, from_state, to_state in changes.values_list("action", "from_state", "to_state"):
        transition = TRANSITIONS[action]
        assert from_state in transition.sources and to_state in transition.targets, action
        seen.add(action)
    assert {"submit", "assign", "request_information", "respond", "recommend", "sign"} <= seen


def test_generated_cases_keep_the_workflows_invariants(generated):
    for case in WaiverRequest.objects.all():
        if case.state not in (State.DRAFT, State.WITHDRAWN):
            assert case.submitted_at is not None
            assert CheckResult.objects.filter(waiver=case).count() == 4
        assert case.check_status == worst_stored_status(case), case.reference
        if case.state in DECIDED_STATES:
            assert case.decided_at >= case.submitted_at
            signer = Signature.objects.filter(waiver=case).first().signer
            assert signer.pk != case.recommended_by_id


def test_generated_data_spreads_over_states_and_authorities(generated):
    states = Counter(WaiverRequest.objects.values_list("state", flat=True))
    assert len(states) >= 6
    assert WaiverRequest.objects.values("authority").distinct().count() >= 3
    assert User.objects.filter(username="bench-reviewer", nra__isnull=False).exists()


def test_generated_data_is_left_as_a_portal_swept_every_day_would_leave_it(generated):
    yesterday = timezone.now().date() - timedelta(days=1)
    (swept,) = SweepRun.objects.all()
    assert (swept.day, swept.full) == (yesterday, True)
    assert Announcement.objects.count() == swept.announced - swept.lapsed > 0
    assert Notification.objects.filter(event="sweep_digest").count() == swept.notifications > 0
    today = sweep(today=yesterday + timedelta(days=1))
    assert today.since == yesterday and today.cases_checked < swept.cases_checked


def test_a_new_request_after_generation_gets_a_fresh_reference(generated):
    latest_year = WaiverRequest.objects.order_by("-created_at").first().created_at.year
    assert not WaiverRequest.objects.filter(reference=next_reference(latest_year)).exists()


def test_generator_refuses_a_database_that_already_holds_cases():
    WaiverRequestFactory()
    with pytest.raises(CommandError, match="already holds"):
        call_command("generate_load_data", cases=5, certificates=5, stdout=io.StringIO())
    assert WaiverRequest.objects.count() == 1
