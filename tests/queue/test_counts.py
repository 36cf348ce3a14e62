"""The list's `count` is kept between requests, and is exact again as soon as a change commits."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import WaiverRequestFactory
from waivers import workflow
from waivers.api.filters import CASE_COLUMN_FILTERS, WaiverFilter
from waivers.models import State


def count(client, **params) -> int:
    response = client.get("/api/v1/waivers/", params)
    assert response.status_code == 200
    return response.json()["count"]


def test_a_repeated_list_is_not_counted_again(world, cached_counts, django_assert_max_num_queries):
    client = world.client("reviewer_x")
    assert world.submitted_a.state == State.SUBMITTED
    assert count(client) == 1
    with django_assert_max_num_queries(3) as queries:  # token, page, site and certificate ids
        assert count(client) == 1
    assert not any("COUNT(" in query["sql"] for query in queries)


def test_creating_submitting_and_reviewing_change_the_counts_at_once(
    world, cached_counts, django_capture_on_commit_callbacks
):
    applicant, reviewer = world.client("applicant_a"), world.client("reviewer_x")
    drafts, queue, submitted = count(applicant), count(reviewer), count(reviewer, state="submitted")
    body = {
        "scope": "import_testing",
        "product": world.draft_a.product_id,
        "authority": world.nra_x.pk,
        "sites": list(world.draft_a.sites.values_list("pk", flat=True)),
        "certificates": list(world.draft_a.certificates.values_list("pk", flat=True)),
    }

    with django_capture_on_commit_callbacks(execute=True):
        assert applicant.post("/api/v1/waivers/", body, format="json").status_code == 201
    assert count(applicant) == drafts + 1
    assert count(reviewer) == queue  # a draft is not the NRA's yet

    url = f"/api/v1/waivers/{world.draft_a.pk}/"  # a complete draft
    with django_capture_on_commit_callbacks(execute=True):
        assert applicant.post(url + "submit/", {}, format="json").status_code == 200
    assert count(reviewer) == queue + 1
    assert count(reviewer, state="submitted") == submitted + 1
    assert count(reviewer, state="under_review") == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert reviewer.post(url + "assign/", {}, format="json").status_code == 200
    assert count(reviewer, state="submitted") == submitted
    assert count(reviewer, state="under_review") == 1
    assert count(world.client("reviewer_y")) == 0


def test_a_system_transition_of_many_cases_changes_the_counts(
    world, cached_counts, django_capture_on_commit_callbacks
):
    case = world.approved_a
    reviewer = world.client("reviewer_x")
    assert count(reviewer, state="approved") == 1

    with django_capture_on_commit_callbacks(execute=True):
        workflow.fire_many({case.pk: "The waiver's validity ended."}, "lapse")

    assert count(reviewer, state="approved") == 0
    assert count(reviewer, state="expired") == 1


def test_a_change_rolled_back_leaves_the_count_as_it_was(world, cached_counts):
    reviewer = world.client("reviewer_x")
    assert world.submitted_a.state == State.SUBMITTED
    before = count(reviewer)
    draft = WaiverRequestFactory(authority=world.nra_x, organisation=world.draft_a.organisation)
    workflow.fire(draft, "submit", actor=world.applicant_a)  # never committed: nothing to hear

    assert count(reviewer) == before


def test_a_search_is_counted_afresh_because_it_reads_names_outside_the_case(world, cached_counts):
    reviewer = world.client("reviewer_x")
    product = world.submitted_a.product
    assert count(reviewer, q="Zyxwv") == 0
    product.name = "Zyxwv vector"
    product.save()  # a catalogue edit: no case changes

    assert count(reviewer, q="Zyxwv") == 1


def test_every_other_filter_is_on_the_cases_own_columns():
    assert set(WaiverFilter.base_filters) == {*CASE_COLUMN_FILTERS, "q"}


def test_without_a_shared_cache_every_count_comes_from_the_database(world):
    client = world.client("reviewer_x")
    assert world.submitted_a.state == State.SUBMITTED
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert count(client) == 1
        assert any("COUNT(" in query["sql"] for query in queries)
    assert count(client, state=State.SUBMITTED) == 1
