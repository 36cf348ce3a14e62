"""The applicant's home page: their organisation's requests, filtered and searched."""

import pytest
from django.urls import reverse

from waivers.models import State, WaiverRequest
from waivers.workflow import fire

from ..factories import ProductFactory, ReviewerFactory, WaiverRequestFactory
from .conftest import draft

HOME = reverse("applicant:home")


def test_an_applicant_lands_on_their_home_page_after_signing_in(signed_in):
    assert signed_in.get(reverse("home")).url == HOME


def test_the_home_page_lists_only_the_organisations_requests(signed_in, member):
    own = draft(member)
    foreign = WaiverRequestFactory()
    page = signed_in.get(HOME).content.decode()
    assert own.reference in page and own.product.name in page and own.authority.code in page
    assert foreign.reference not in page


def test_the_home_page_filters_by_state(signed_in, member):
    kept = draft(member)
    submitted = draft(member)
    fire(submitted, "submit", actor=member)
    page = signed_in.get(HOME, {"state": State.SUBMITTED}).content.decode()
    assert submitted.reference in page and kept.reference not in page


def test_the_home_page_searches_by_reference_or_product(signed_in, member):
    wanted = draft(member, product=ProductFactory(organisation=member.organisation, name="Vectora"))
    other = draft(member)
    by_product = signed_in.get(HOME, {"q": "vector"}).content.decode()
    assert wanted.reference in by_product and other.reference not in by_product
    by_reference = signed_in.get(HOME, {"q": other.reference}).content.decode()
    assert other.reference in by_reference and wanted.reference not in by_reference


def test_nra_staff_cannot_open_the_applicant_pages(client, member):
    client.force_login(ReviewerFactory())
    assert client.get(HOME).status_code == 403


@pytest.mark.parametrize("rows", [5, 50])
def test_the_home_page_query_count_does_not_grow_with_rows(
    signed_in, member, rows, django_assert_max_num_queries
):
    product = ProductFactory(organisation=member.organisation)
    first = draft(member, product=product)
    for _ in range(rows - 1):
        WaiverRequestFactory(
            organisation=member.organisation,
            product=product,
            authority=first.authority,
            evidence=False,
        )
    assert WaiverRequest.objects.count() == rows
    with django_assert_max_num_queries(6):
        page = signed_in.get(HOME).content.decode()
    assert page.count("/applicant/requests/WR-") >= rows


def test_a_long_list_is_split_into_pages_that_keep_the_filter(signed_in, member):
    first = draft(member)
    for _ in range(50):
        WaiverRequestFactory(
            organisation=member.organisation,
            product=first.product,
            authority=first.authority,
            evidence=False,
        )
    page_one = signed_in.get(HOME, {"state": "draft"}).content.decode()
    assert page_one.count("/applicant/requests/WR-") == 50
    assert "state=draft&amp;page=2" in page_one
    page_two = signed_in.get(HOME, {"state": "draft", "page": 2}).content.decode()
    assert first.reference in page_two
