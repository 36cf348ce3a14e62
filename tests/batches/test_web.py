"""The batch pages: the applicant's notification form and result, downloads, the NRA's list."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from waivers.models import BatchNotification, BatchStatus, Certificate, State
from waivers.services.batches import notify_batch

from ..evidence.hostile import CORPUS
from ..factories import ProductFactory, ReviewerFactory, minimal_pdf
from .scene import coa_for

pytestmark = pytest.mark.django_db
TODAY = timezone.now().date()


def notify_url(waiver):
    return f"/batches/notify/{waiver.reference}/"


def test_the_form_offers_the_coas_of_the_waivers_product_only(client, granted, coa, applicant):
    other = coa_for(granted, product=ProductFactory(organisation=granted.organisation))
    client.force_login(applicant)
    response = client.get(notify_url(granted))
    assert response.status_code == 200
    choices = list(response.context["form"].fields["certificate"].queryset)
    assert coa in choices and other not in choices


def test_choosing_a_coa_releases_the_batch_and_shows_every_reason(client, granted, coa, applicant):
    client.force_login(applicant)
    response = client.post(
        notify_url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, follow=True
    )
    batch = BatchNotification.objects.get()
    assert batch.status == BatchStatus.RELEASED
    assert response.redirect_chain[-1][0] == f"/batches/{batch.reference}/"
    page = response.content.decode()
    assert "is released on the manufacturer" in page
    for point in batch.reasons:
        assert point["label"].replace("'", "&#x27;") in page
    assert f"/batches/{batch.reference}/acknowledgement/" in page


def test_a_refused_batch_shows_the_failed_reason(client, granted, applicant):
    coa = coa_for(granted, batch_expires_on=TODAY - timedelta(days=1))
    client.force_login(applicant)
    response = client.post(
        notify_url(granted), {"batch_number": "LOT-001", "certificate": coa.pk}, follow=True
    )
    page = response.content.decode()
    assert "was refused" in page
    assert f"The batch expired on {coa.batch_expires_on}." in page
    assert "acknowledgement/" not in page


def upload_data(granted, **overrides):
    return {
        "batch_number": "LOT-NEW",
        "file": SimpleUploadedFile("coa.pdf", minimal_pdf("new coa LOT-NEW")),
        "site": granted.sites.first().pk,
        "manufactured_on": (TODAY - timedelta(days=3)).isoformat(),
        "batch_expires_on": (TODAY + timedelta(days=200)).isoformat(),
        "issued_on": (TODAY - timedelta(days=1)).isoformat(),
        "conforms": "true",
        "released_by": "Dr Q. Person",
    } | overrides


def test_uploading_a_new_coa_files_it_and_notifies_the_batch(client, granted, applicant):
    client.force_login(applicant)
    response = client.post(notify_url(granted), upload_data(granted))
    assert response.status_code == 302
    batch = BatchNotification.objects.get()
    assert batch.status == BatchStatus.RELEASED
    coa = batch.certificate
    assert (coa.kind, coa.product, coa.batch_number, coa.conforms) == (
        "coa",
        granted.product,
        "LOT-NEW",
        True,
    )


def test_an_upload_that_is_not_a_pdf_is_refused_next_to_the_field(client, granted, applicant):
    client.force_login(applicant)
    before = Certificate.objects.count()
    data = upload_data(granted, file=SimpleUploadedFile("coa.pdf", b"GIF89a not a pdf"))
    response = client.post(notify_url(granted), data)
    assert response.status_code == 200
    assert "not a PDF" in response.context["form"].errors["file"][0]
    assert Certificate.objects.count() == before
    assert not BatchNotification.objects.exists()


def test_a_coa_with_javascript_is_refused_next_to_the_field(client, granted, applicant):
    """The PDF policy guards the CoA filed with a batch too (issue 18, finding 4)."""
    client.force_login(applicant)
    before = Certificate.objects.count()
    hostile = CORPUS["javascript-on-open"].make()
    data = upload_data(granted, file=SimpleUploadedFile("coa.pdf", hostile))
    response = client.post(notify_url(granted), data)
    assert "JavaScript" in response.context["form"].errors["file"][0]
    assert Certificate.objects.count() == before
    assert not BatchNotification.objects.exists()


def test_an_upload_needs_its_coa_details(client, granted, applicant):
    client.force_login(applicant)
    response = client.post(notify_url(granted), upload_data(granted, conforms="", site=""))
    errors = response.context["form"].errors
    assert errors["conforms"] == ["Needed for a new CoA."]
    assert errors["site"] == ["Needed for a new CoA."]
    assert not BatchNotification.objects.exists()


def test_a_batch_needs_a_coa_chosen_or_uploaded(client, granted, applicant):
    client.force_login(applicant)
    response = client.post(notify_url(granted), {"batch_number": "LOT-001"})
    assert response.context["form"].errors["certificate"] == [
        "Choose a CoA of this product, or upload a new one."
    ]
    assert not BatchNotification.objects.exists()


def test_the_form_under_a_waiver_not_in_force_explains_why(client, case, applicant):
    client.force_login(applicant)
    response = client.get(notify_url(case))
    assert response.status_code == 409
    assert "only be notified under an approved waiver; this one is draft" in (
        response.content.decode()
    )


def test_nra_staff_cannot_open_the_form_and_strangers_do_not_see_it(
    client, granted, reviewer, other_applicant
):
    client.force_login(reviewer)
    assert client.get(notify_url(granted)).status_code == 403
    client.force_login(other_applicant)
    assert client.get(notify_url(granted)).status_code == 404


@pytest.fixture
def released(granted, coa, applicant):
    return notify_batch(waiver=granted, user=applicant, batch_number="LOT-001", certificate=coa)


def test_the_acknowledgement_downloads_as_an_attachment(client, released, applicant, reviewer):
    for user in (applicant, reviewer):
        client.force_login(user)
        response = client.get(f"/batches/{released.reference}/acknowledgement/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="{released.reference}-acknowledgement.pdf"'
        )
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_tenants_batch_and_acknowledgement_are_404(
    client, released, other_applicant, other_reviewer
):
    for user in (other_applicant, other_reviewer):
        client.force_login(user)
        assert client.get(f"/batches/{released.reference}/").status_code == 404
        assert client.get(f"/batches/{released.reference}/acknowledgement/").status_code == 404
        page = client.get("/batches/").content.decode()
        assert released.reference not in page


def test_a_refused_batch_has_no_acknowledgement_to_download(client, granted, applicant):
    refused = notify_batch(
        waiver=granted,
        user=applicant,
        batch_number="LOT-001",
        certificate=coa_for(granted, conforms=False),
    )
    client.force_login(applicant)
    assert client.get(f"/batches/{refused.reference}/acknowledgement/").status_code == 404


def test_the_reviewer_flags_a_batch_for_sampling_with_a_reason(client, released, reviewer):
    client.force_login(reviewer)
    page = client.get(f"/batches/{released.reference}/").content.decode()
    assert "Flag for post-marketing surveillance sampling" in page
    response = client.post(
        f"/batches/{released.reference}/flag/", {"reason": "Random PMS sample."}, follow=True
    )
    assert "Flagged by" in response.content.decode()
    released.refresh_from_db()
    assert released.flag_reason == "Random PMS sample."


def test_flagging_without_a_reason_shows_the_error(client, released, reviewer):
    client.force_login(reviewer)
    response = client.post(f"/batches/{released.reference}/flag/", {"reason": ""})
    assert response.status_code == 400
    assert response.context["flag_form"].errors["reason"]
    released.refresh_from_db()
    assert not released.flagged_for_sampling


def test_the_applicant_neither_sees_nor_may_post_the_flag_form(client, released, applicant):
    client.force_login(applicant)
    assert "Flag for sampling" not in client.get(f"/batches/{released.reference}/").content.decode()
    response = client.post(f"/batches/{released.reference}/flag/", {"reason": "Me too."})
    assert response.status_code == 403
    released.refresh_from_db()
    assert not released.flagged_for_sampling


def test_the_reviewer_list_counts_batches_per_waiver_and_per_product(
    client, granted, applicant, reviewer
):
    notify_batch(
        waiver=granted, user=applicant, batch_number="LOT-001", certificate=coa_for(granted)
    )
    notify_batch(
        waiver=granted,
        user=applicant,
        batch_number="LOT-002",
        certificate=coa_for(granted, batch_number="LOT-002", conforms=False),
    )
    client.force_login(reviewer)
    response = client.get("/batches/")
    [per_waiver] = response.context["per_waiver"]
    assert (per_waiver["waiver__reference"], per_waiver["total"]) == (granted.reference, 2)
    assert (per_waiver["released"], per_waiver["refused"]) == (1, 1)
    [per_product] = response.context["per_product"]
    assert (per_product["waiver__product__name"], per_product["total"]) == (
        granted.product.name,
        2,
    )


def test_the_list_filters_by_waiver(client, granted, released, reviewer):
    client.force_login(reviewer)
    assert (
        released.reference in client.get(f"/batches/?waiver={granted.reference}").content.decode()
    )
    assert released.reference not in client.get("/batches/?waiver=WR-0000-000000").content.decode()


def test_the_applicant_list_offers_the_waivers_in_force(client, granted, applicant):
    client.force_login(applicant)
    page = client.get("/batches/").content.decode()
    assert f"Notify a batch under {granted.reference}" in page
    assert 'href="/batches/"' in page  # the navigation link


def many_batches(waiver, applicant, count):
    coa = coa_for(waiver)
    BatchNotification.objects.bulk_create(
        BatchNotification(
            waiver=waiver,
            batch_number=f"LOT-{n}",
            certificate=coa,
            status=BatchStatus.REFUSED,
            reasons=[],
            notified_by=applicant,
            reference=f"BN-2026-{n:06d}",
            verification_code=f"TEST-{n:04d}-AAAA-BBBB",
        )
        for n in range(count)
    )


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("who", ["reviewer", "applicant"])
def test_the_list_costs_a_fixed_number_of_queries(
    client, granted, applicant, reviewer, rows, who, django_assert_max_num_queries
):
    many_batches(granted, applicant, rows)
    client.force_login(reviewer if who == "reviewer" else applicant)
    with django_assert_max_num_queries(9):  # +1: the unread-notification badge
        response = client.get("/batches/")
    assert len(response.context["page"]) == rows


def test_other_nra_staff_see_no_batches_of_this_nra(client, released):
    stranger = ReviewerFactory()
    client.force_login(stranger)
    response = client.get("/batches/")
    assert list(response.context["per_waiver"]) == []
    assert len(response.context["page"]) == 0


def test_a_revoked_waiver_offers_no_form(client, granted, applicant):
    granted.state = State.REVOKED
    granted.save()
    client.force_login(applicant)
    assert client.get(notify_url(granted)).status_code == 409
