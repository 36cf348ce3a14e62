"""GET /api/v1/waivers/ at any length: a fixed number of queries, and the same answer as one case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import CertificateFactory, SiteFactory, WaiverRequestFactory
from waivers.models import State, WaiverRequest


def submitted_cases(world, count: int) -> None:
    for _ in range(count):
        WaiverRequestFactory(
            authority=world.nra_x,
            organisation=world.draft_a.organisation,
            state=State.SUBMITTED,
            submitted_at=timezone.now(),
        )


def list_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/waivers/", params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["applicant_a", "reviewer_x"])
def test_a_full_page_costs_no_more_queries_than_one_case(world, who):
    submitted_cases(world, 1)
    client = world.client(who)
    one_case = list_queries(client)
    submitted_cases(world, 30)
    assert list_queries(client) == one_case <= 4  # token, count, page, site and certificate ids
    assert list_queries(client, page=2) == one_case + 1  # the page's ids first
    assert len(client.get("/api/v1/waivers/").json()["results"]) == 25


def test_later_pages_continue_the_first_in_the_same_order_each_case_once(world):
    submitted_cases(world, 60)
    visible = WaiverRequest.objects.filter(authority=world.nra_x).exclude(state=State.DRAFT)
    # Cases changed at the same moment still fall on one page each, read from either end.
    tied = list(visible.values_list("pk", flat=True)[::2])
    WaiverRequest.objects.filter(pk__in=tied).update(updated_at=timezone.now())
    client = world.client("reviewer_x")

    pages = [client.get("/api/v1/waivers/", {"page": n}).json()["results"] for n in (1, 2, 3)]

    listed = [case["id"] for page in pages for case in page]
    assert listed == list(visible.order_by("-updated_at", "-pk").values_list("pk", flat=True))
    assert len(set(listed)) == len(listed) > 50


def test_each_listed_case_names_its_own_sites_and_certificates_in_their_order(world):
    submitted_cases(world, 3)
    busy, bare, _ = world.draft_a.organisation.waiver_requests.exclude(state=State.DRAFT)
    busy.sites.add(SiteFactory(organisation=busy.organisation, name="AAA first by name"))
    newest = CertificateFactory(organisation=busy.organisation)
    newest.uploaded_at = timezone.now() + timedelta(days=1)
    newest.save()
    busy.certificates.add(newest)
    bare.sites.clear()
    bare.certificates.clear()
    client = world.client("reviewer_x")

    listed = {case["id"]: case for case in client.get("/api/v1/waivers/").json()["results"]}

    for case in world.draft_a.organisation.waiver_requests.exclude(state=State.DRAFT):
        assert listed[case.pk]["sites"] == [site.pk for site in case.sites.all()]
        assert listed[case.pk]["certificates"] == [c.pk for c in case.certificates.all()]
        assert listed[case.pk] == client.get(f"/api/v1/waivers/{case.pk}/").json()
    assert listed[busy.pk]["sites"][0] == busy.sites.get(name="AAA first by name").pk
    assert listed[busy.pk]["certificates"][0] == newest.pk
    assert listed[bare.pk]["sites"] == listed[bare.pk]["certificates"] == []


def test_each_row_reads_as_its_case_does_in_every_state(world):
    cases = [world.draft_a, world.submitted_a, world.approved_a]
    WaiverRequest.objects.filter(pk=world.draft_a.pk).update(batch_size=None, justification="")
    WaiverRequest.objects.filter(pk=world.submitted_a.pk).update(
        clock_paused_since=timezone.now() - timedelta(days=3)
    )
    client = world.client("applicant_a")

    listed = {case["id"]: case for case in client.get("/api/v1/waivers/").json()["results"]}

    for case in cases:
        detail = client.get(f"/api/v1/waivers/{case.pk}/").json()
        assert list(listed[case.pk].items()) == list(detail.items())  # values and key order
