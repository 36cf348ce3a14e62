"""Sites and products of the organisation: list, create, edit, and nobody else's."""

import pytest
from django.urls import reverse

from waivers.models import Product, Site

from ..factories import ProductFactory, SiteFactory


def test_a_site_is_added_for_the_organisation(signed_in, member):
    response = signed_in.post(
        reverse("applicant:site_new"), {"name": "Basel", "address": "1 Rhine St", "country": "ch"}
    )
    assert response.url == reverse("applicant:sites")
    site = Site.objects.get()
    assert site.organisation == member.organisation and site.country == "CH"


def test_a_duplicate_site_name_is_a_field_error(signed_in, member):
    SiteFactory(organisation=member.organisation, name="Basel")
    response = signed_in.post(
        reverse("applicant:site_new"), {"name": "Basel", "address": "2 Rhine St", "country": "CH"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert Site.objects.count() == 1


def test_a_site_is_edited(signed_in, site):
    signed_in.post(
        reverse("applicant:site_edit", args=[site.pk]),
        {"name": "Renamed", "address": site.address, "country": "DE"},
    )
    site.refresh_from_db()
    assert site.name == "Renamed" and site.country == "DE"


def test_another_organisations_site_and_product_are_not_found(signed_in):
    assert signed_in.get(reverse("applicant:site_edit", args=[SiteFactory().pk])).status_code == 404
    assert (
        signed_in.get(reverse("applicant:product_edit", args=[ProductFactory().pk])).status_code
        == 404
    )


def test_a_product_is_added_and_a_zero_shelf_life_refused(signed_in, member):
    data = {
        "name": "Autocel",
        "atmp_class": "CT",
        "production_model": "MTO",
        "storage": "15–25 °C",
        "shelf_life_days": "0",
    }
    refused = signed_in.post(reverse("applicant:product_new"), data)
    assert refused.status_code == 400 and not Product.objects.exists()
    data["shelf_life_days"] = "3"
    assert signed_in.post(reverse("applicant:product_new"), data).status_code == 302
    assert Product.objects.get().organisation == member.organisation


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(
    ("url", "factory"), [("applicant:sites", SiteFactory), ("applicant:products", ProductFactory)]
)
def test_catalogue_lists_keep_a_constant_query_count(
    signed_in, member, rows, url, factory, django_assert_max_num_queries
):
    factory.create_batch(rows, organisation=member.organisation)
    with django_assert_max_num_queries(5):
        page = signed_in.get(reverse(url)).content.decode()
    assert page.count("/applicant/") >= rows
