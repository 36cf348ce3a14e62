"""The NRA queue: scoping, filters, the review clock, counts and a constant number of queries."""

from datetime import timedelta

import pytest

from waivers.models import State, WaiverRequest
from waivers.selectors.nra import queue, queue_counts, with_queue_columns

from ..factories import (
    ApplicantFactory,
    CheckResultFactory,
    NraFactory,
    ReviewerFactory,
    WaiverRequestFactory,
    queued_case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def nra():
    return NraFactory()


@pytest.fixture
def me(nra):
    return ReviewerFactory(nra=nra)


def refs(qs):
    return [c.reference for c in qs]


def test_queue_holds_only_open_cases_of_my_nra(nra, me):
    mine = queued_case(nra)
    queued_case(NraFactory())
    WaiverRequestFactory(authority=nra)  # a draft
    queued_case(nra, state=State.APPROVED)
    assert refs(queue(user=me)) == [mine.reference]


def test_state_filter_reaches_decided_cases_too(nra, me):
    queued_case(nra)
    approved = queued_case(nra, state=State.APPROVED)
    assert refs(queue(user=me, state=State.APPROVED)) == [approved.reference]


def test_scope_filter(nra, me):
    queued_case(nra, scope="import_testing")
    ct = queued_case(nra, scope="clinical_trial")
    assert refs(queue(user=me, scope="clinical_trial")) == [ct.reference]


def test_assignee_filter_mine_and_unassigned(nra, me):
    colleague = ReviewerFactory(nra=nra)
    mine = queued_case(nra, state=State.UNDER_REVIEW, reviewer=me)
    theirs = queued_case(nra, state=State.UNDER_REVIEW, reviewer=colleague)
    nobody = queued_case(nra)
    assert refs(queue(user=me, assignee="mine")) == [mine.reference]
    assert refs(queue(user=me, assignee="unassigned")) == [nobody.reference]
    assert len(queue(user=me)) == 3 and theirs.reference in refs(queue(user=me))


def test_worst_check_status_is_shown_and_filterable(nra, me):
    failing, warning, clean = queued_case(nra), queued_case(nra), queued_case(nra)
    unchecked = queued_case(nra)
    CheckResultFactory(waiver=failing, status="pass")
    CheckResultFactory(waiver=failing, status="fail")
    CheckResultFactory(waiver=failing, status="warn")
    CheckResultFactory(waiver=warning, status="warn")
    CheckResultFactory(waiver=warning, status="pass")
    CheckResultFactory(waiver=clean, status="pass")
    statuses = {c.reference: c.check_status for c in with_queue_columns(queue(user=me))}
    assert statuses == {
        failing.reference: "fail",
        warning.reference: "warn",
        clean.reference: "pass",
        unchecked.reference: "",
    }
    assert refs(queue(user=me, check_status="fail")) == [failing.reference]
    assert refs(queue(user=me, check_status="warn")) == [warning.reference]
    assert refs(queue(user=me, check_status="pass")) == [clean.reference]
    assert refs(queue(user=me, check_status="none")) == [unchecked.reference]


def test_overdue_excludes_time_the_clock_was_stopped(nra, me):
    # The policy target is 30 days (the default).
    late = queued_case(nra, days_ago=31)
    paused_long = queued_case(nra, days_ago=40, paused_days=15)
    fresh = queued_case(nra, days_ago=3)
    rows = {c.reference: c for c in with_queue_columns(queue(user=me))}
    assert rows[late.reference].overdue and rows[late.reference].days_on_clock == 31
    assert not rows[paused_long.reference].overdue
    assert rows[paused_long.reference].days_on_clock == 25
    assert refs(queue(user=me, overdue=True)) == [late.reference]
    assert set(refs(queue(user=me, overdue=False))) == {paused_long.reference, fresh.reference}


def test_clock_stands_still_while_information_is_requested(nra, me):
    waiting = queued_case(nra, state=State.INFORMATION_REQUESTED, days_ago=50)
    waiting.clock_paused_since = waiting.submitted_at + timedelta(days=10, hours=1)
    waiting.save()
    row = with_queue_columns(queue(user=me)).get(pk=waiting.pk)
    assert row.days_on_clock == 10 == waiting.clock_days()
    assert not row.overdue


def test_the_target_comes_from_my_nras_policy(nra, me):
    nra.policy.target_review_days = 5
    nra.policy.save()
    case = queued_case(nra, days_ago=6)
    assert refs(queue(user=me, overdue=True)) == [case.reference]


def test_sort_by_age_or_by_clock(nra, me):
    older_but_paused = queued_case(nra, days_ago=20, paused_days=18)
    newer = queued_case(nra, days_ago=10)
    assert refs(queue(user=me)) == [older_but_paused.reference, newer.reference]
    assert refs(queue(user=me, sort="clock")) == [newer.reference, older_but_paused.reference]


def test_search_by_reference_applicant_or_product(nra, me):
    case = queued_case(nra)
    case.organisation.name = "Helix Cell Therapies"
    case.organisation.save()
    case.product.name = "Zolgenvec"
    case.product.save()
    queued_case(nra)
    queued_case(NraFactory(), organisation=case.organisation)  # same applicant, another NRA
    assert refs(queue(user=me, q=case.reference.lower())) == [case.reference]
    assert refs(queue(user=me, q="helix")) == [case.reference]
    assert refs(queue(user=me, q="zolgen")) == [case.reference]
    assert refs(queue(user=me, q="nothing like it")) == []


def test_counts_per_state(nra, me):
    queued_case(nra)
    queued_case(nra)
    queued_case(nra, state=State.RECOMMENDED)
    queued_case(NraFactory())
    queued_case(nra, state=State.APPROVED)
    counts = queue_counts(me)
    assert counts[State.SUBMITTED] == 2 and counts[State.RECOMMENDED] == 1
    assert counts[State.UNDER_REVIEW] == 0
    assert State.APPROVED not in counts and State.DRAFT not in counts


# --- the page ---


@pytest.mark.parametrize("role", ["reviewer", "approver"])
def test_nra_staff_land_on_the_queue(client, nra, role):
    client.force_login(ReviewerFactory(nra=nra, role=role))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/nra/queue/"


def test_queue_page_lists_cases_with_their_figures(client, nra, me):
    late = queued_case(nra, days_ago=45)
    CheckResultFactory(waiver=late, status="fail")
    client.force_login(me)
    response = client.get("/nra/queue/")
    html = response.content.decode()
    assert response.status_code == 200
    assert late.reference in html and late.organisation.name in html
    assert "45 / 30" in html and "Overdue" in html and "Fail" in html


def test_queue_page_filters_and_paginates(client, nra, me):
    for _ in range(30):
        queued_case(nra, scope="clinical_trial")
    queued_case(nra, scope="import_testing")
    client.force_login(me)
    first = client.get("/nra/queue/", {"scope": "clinical_trial"})
    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"].object_list) == 25
    assert "page=2" in first.content.decode() and "scope=clinical_trial" in first.content.decode()
    second = client.get("/nra/queue/", {"scope": "clinical_trial", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_every_page_shows_its_rows_in_the_queue_order_with_their_figures(client, nra, me):
    for n in range(30):
        case = queued_case(nra, days_ago=n, paused_days=n % 4)
        CheckResultFactory(waiver=case, status=("pass", "warn", "fail")[n % 3])
    client.force_login(me)
    expected = [
        (c.reference, c.days_on_clock, c.check_status)
        for c in with_queue_columns(queue(user=me, sort="clock"))
    ]
    shown = []
    for number in (1, 2):
        page = client.get("/nra/queue/", {"sort": "clock", "page": number}).context["page"]
        shown += [(c.reference, c.days_on_clock, c.check_status) for c in page]
    assert shown == expected and len(shown) == 30
    assert [days for _, days, _ in shown] == sorted((days for _, days, _ in shown), reverse=True)


@pytest.mark.parametrize("sort", ["age", "clock"])
def test_every_page_of_a_long_queue_holds_the_next_cases_each_once(client, nra, me, sort):
    cases = [queued_case(nra, days_ago=n % 7, paused_days=n % 3) for n in range(60)]
    # Cases submitted at the same moment still fall on one page each, read from either end.
    tied = [case.pk for case in cases[::2]]
    WaiverRequest.objects.filter(pk__in=tied).update(submitted_at=cases[0].submitted_at)
    client.force_login(me)
    expected = [c.reference for c in queue(user=me, sort=sort)]
    shown = [
        case.reference
        for number in (1, 2, 3)
        for case in client.get("/nra/queue/", {"sort": sort, "page": number}).context["page"]
    ]
    assert shown == expected and len(set(shown)) == 60


def test_unknown_filter_values_are_ignored_not_an_error(client, me):
    client.force_login(me)
    response = client.get("/nra/queue/", {"state": "bogus", "sort": "nope", "page": "x"})
    assert response.status_code == 200


def test_applicants_may_not_open_the_queue(client):
    client.force_login(ApplicantFactory())
    assert client.get("/nra/queue/").status_code == 403


@pytest.mark.parametrize("rows", [10, 100])
def test_queue_page_needs_a_constant_number_of_queries(
    client, nra, me, rows, django_assert_max_num_queries
):
    for n in range(rows):
        case = queued_case(nra, state=State.UNDER_REVIEW, reviewer=me, days_ago=n % 50)
        CheckResultFactory(waiver=case, status=("pass", "warn", "fail")[n % 3])
    client.force_login(me)
    # session, user with their NRA, count, page ids, rows, counts per state, target, unread badge
    with django_assert_max_num_queries(8):
        response = client.get("/nra/queue/", {"per_page": 100})
    assert len(response.context["page"].object_list) == rows
    with django_assert_max_num_queries(8):
        response = client.get("/nra/queue/", {"per_page": 25, "page": rows // 25 or 1})
    assert len(response.context["page"].object_list) == min(rows, 25)


def test_unassigned_cases_can_be_taken_from_the_queue(client, nra, me):
    waiting = queued_case(nra)
    theirs = queued_case(nra, state=State.UNDER_REVIEW, reviewer=me)
    client.force_login(me)
    html = client.get("/nra/queue/").content.decode()
    assert f'aria-label="Take {waiting.reference}"' in html
    assert f'aria-label="Take {theirs.reference}"' not in html
    response = client.post(
        f"/nra/cases/{waiting.reference}/take/", {"expected_version": waiting.version}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.reviewer == me and waiting.state == State.UNDER_REVIEW


# --- counts kept between visits (waivers.case_counts) ---


def shown_counts(client, **params):
    """The page's count of listed cases, and its count per state."""
    context = client.get("/nra/queue/", params).context
    return context["page"].paginator.count, {state: n for state, _, n in context["counts"]}


def case_counts_in(queries) -> list[str]:
    return [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "waivers_waiverrequest" in q["sql"]
    ]


def test_a_repeated_queue_visit_counts_no_case_again(
    client, nra, me, cached_counts, django_assert_max_num_queries
):
    queued_case(nra)
    queued_case(nra, state=State.RECOMMENDED)
    client.force_login(me)
    first = shown_counts(client)
    # session, user with their NRA, page ids, rows, target, unread badge
    with django_assert_max_num_queries(6) as queries:
        assert shown_counts(client) == first
    assert first[0] == 2 and first[1][State.RECOMMENDED] == 1
    assert case_counts_in(queries) == []


def test_taking_a_case_changes_the_queue_counts_at_once(
    client, nra, me, cached_counts, django_capture_on_commit_callbacks
):
    waiting, _ = queued_case(nra), queued_case(nra)
    client.force_login(me)
    total, per_state = shown_counts(client)
    assert (total, per_state[State.SUBMITTED], per_state[State.UNDER_REVIEW]) == (2, 2, 0)
    assert shown_counts(client, assignee="mine")[0] == 0

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/nra/cases/{waiting.reference}/take/", {"expected_version": waiting.version})

    total, per_state = shown_counts(client)
    assert (total, per_state[State.SUBMITTED], per_state[State.UNDER_REVIEW]) == (2, 1, 1)
    assert shown_counts(client, assignee="mine")[0] == 1
    assert shown_counts(client, state=State.SUBMITTED)[0] == 1


def test_filters_that_read_beyond_the_case_are_counted_afresh(client, nra, me, cached_counts):
    case = queued_case(nra)
    client.force_login(me)
    assert shown_counts(client, check_status="fail")[0] == 0
    assert shown_counts(client, q="Zyntegra")[0] == 0

    # Neither a check result nor a product's name is a change to the case itself.
    CheckResultFactory(waiver=case, status="fail")
    type(case.product).objects.filter(pk=case.product_id).update(name="Zyntegra")

    assert shown_counts(client, check_status="fail")[0] == 1
    assert shown_counts(client, q="Zyntegra")[0] == 1
