"""What was signed stays what was signed: a decided case's product and sites cannot change under it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from waivers.models import AuditEntry, Signature
from waivers.workflow import content_hash

from ..factories import SiteFactory, WaiverRequestFactory


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def every_signature_still_matches() -> None:
    signatures = list(Signature.objects.select_related("waiver"))
    assert signatures
    for signature in signatures:
        assert signature.content_hash == content_hash(signature.waiver), signature.waiver.reference


def site_form(site, **changes) -> dict[str, str]:
    return {"name": site.name, "address": site.address, "country": site.country, **changes}


def test_renaming_a_site_of_a_signed_waiver_is_refused_on_the_web(signed_in, approved):
    site = approved.sites.get()
    url = reverse("applicant:site_edit", args=[site.pk])
    response = signed_in.post(url, site_form(site, name="Renamed plant"))
    assert response.status_code == 400
    message = " ".join(response.context["form"].non_field_errors())
    assert f"is part of {approved.reference}, already submitted" in message
    assert "Add a new site" in message
    site.refresh_from_db()
    assert site.name != "Renamed plant"
    every_signature_still_matches()


def test_changing_the_product_of_a_signed_waiver_is_refused_on_the_web(signed_in, approved):
    product = approved.product
    url = reverse("applicant:product_edit", args=[product.pk])
    data = {
        "name": product.name,
        "atmp_class": product.atmp_class,
        "production_model": product.production_model,
        "storage": "2–8 °C",
        "shelf_life_days": str(product.shelf_life_days),
    }
    assert signed_in.post(url, data).status_code == 400
    product.refresh_from_db()
    assert product.storage != "2–8 °C"
    every_signature_still_matches()


def test_the_api_offers_no_way_to_change_a_site_or_product(applicant, approved):
    api = APIClient()
    api.force_authenticate(applicant)
    site, product = approved.sites.get(), approved.product
    assert api.patch(f"/api/v1/sites/{site.pk}/", {"name": "X"}, format="json").status_code == 405
    assert (
        api.put(f"/api/v1/products/{product.pk}/", {"name": "X"}, format="json").status_code == 405
    )
    site.refresh_from_db()
    product.refresh_from_db()
    assert site.name != "X" and product.name != "X"
    every_signature_still_matches()


def test_a_site_only_drafts_use_may_change_and_each_draft_records_it(signed_in, applicant):
    site = SiteFactory(organisation=applicant.organisation, name="Old plant")
    drafts = [WaiverRequestFactory(organisation=applicant.organisation) for _ in range(2)]
    for draft in drafts:
        draft.sites.set([site])
    url = reverse("applicant:site_edit", args=[site.pk])
    assert signed_in.post(url, site_form(site, name="New plant")).status_code == 302
    site.refresh_from_db()
    assert site.name == "New plant"
    for draft in drafts:
        entry = AuditEntry.objects.filter(waiver=draft).latest("seq")
        assert entry.action == "edit" and entry.actor == applicant
        assert entry.changes == {"site Old plant: name": {"old": "Old plant", "new": "New plant"}}


def test_a_new_site_with_the_corrected_details_can_be_added(signed_in, approved):
    site = approved.sites.get()
    url = reverse("applicant:site_new")
    assert signed_in.post(url, site_form(site, name="Renamed plant")).status_code == 302
    every_signature_still_matches()
