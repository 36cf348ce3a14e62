"""Batch notifications in a real browser: one released on its CoA, one refused with reasons."""

from datetime import timedelta

import pytest
from django.utils import timezone

from waivers.models import BatchNotification, BatchStatus, Notification

from ..batches.scene import coa_for
from ..factories import (
    ApplicantFactory,
    ApproverFactory,
    ReviewerFactory,
    WaiverRequestFactory,
    bring_to,
    minimal_pdf,
)
from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = timezone.now().date()


@pytest.fixture
def people_and_waiver():
    case = WaiverRequestFactory()
    applicant = ApplicantFactory(organisation=case.organisation)
    reviewer = ReviewerFactory(nra=case.authority)
    approver = ApproverFactory(nra=case.authority)
    granted = bring_to(case, "decided", applicant=applicant, reviewer=reviewer, approver=approver)
    return applicant, reviewer, granted


def open_form(page, waiver):
    page.get_by_role("link", name="Batches").click()
    page.get_by_role("link", name=f"Notify a batch under {waiver.reference}").click()
    page.wait_for_load_state()


def test_a_batch_is_released_on_its_coa_and_the_reviewer_flags_it(new_page, people_and_waiver):
    applicant, reviewer, waiver = people_and_waiver
    coa = coa_for(waiver, batch_number="LOT-2026-01")
    page = new_page()
    sign_in(page, applicant.username)
    open_form(page, waiver)
    assert_accessible(page)
    page.get_by_label("Batch number").fill("LOT-2026-01")
    page.get_by_label("Certificate of Analysis already uploaded").select_option(str(coa.pk))
    page.get_by_role("button", name="Notify and verify the batch").click()
    page.wait_for_load_state()

    status = page.get_by_role("status")
    assert "LOT-2026-01 is released on the manufacturer's Certificate of Analysis" in (
        status.inner_text()
    )
    assert page.locator("tbody tr").filter(has_text="Fail").count() == 0
    assert page.get_by_role("row", name="Usable on arrival").is_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the acknowledgement (PDF)").click()
    batch = BatchNotification.objects.get()
    assert download.value.suggested_filename == f"{batch.reference}-acknowledgement.pdf"

    nra = new_page()
    sign_in(nra, reviewer.username)
    nra.get_by_role("link", name="Batches").click()
    assert nra.get_by_role("row", name=waiver.reference).first.is_visible()
    assert_accessible(nra)
    nra.get_by_role("link", name=batch.reference).click()
    nra.get_by_label("Reason for sampling").fill("Annual surveillance sample.")
    nra.get_by_role("button", name="Flag for sampling").click()
    nra.wait_for_load_state()
    assert "Annual surveillance sample." in nra.locator("main").inner_text()
    batch.refresh_from_db()
    assert batch.flagged_for_sampling and batch.flagged_by == reviewer


def test_a_batch_with_a_new_non_conforming_coa_is_refused_and_the_nra_told(
    new_page, people_and_waiver
):
    applicant, reviewer, waiver = people_and_waiver
    page = new_page()
    sign_in(page, applicant.username)
    open_form(page, waiver)
    page.get_by_label("Batch number").fill("LOT-BAD-7")
    page.get_by_label("New CoA (PDF)").set_input_files(
        files=[
            {
                "name": "coa-lot-bad-7.pdf",
                "mimeType": "application/pdf",
                "buffer": minimal_pdf("CoA LOT-BAD-7"),
            }
        ]
    )
    page.get_by_label("Manufacturing site").select_option(str(waiver.sites.first().pk))
    page.get_by_label("Manufactured on").fill((TODAY - timedelta(days=5)).isoformat())
    page.get_by_label("Batch expires on").fill((TODAY + timedelta(days=90)).isoformat())
    page.get_by_label("CoA issued on").fill((TODAY - timedelta(days=1)).isoformat())
    page.get_by_label("Conformity").select_option("false")
    page.get_by_role("button", name="Notify and verify the batch").click()
    page.wait_for_load_state()

    assert "LOT-BAD-7 was refused" in page.get_by_role("status").inner_text()
    failed = page.locator("tr.table-danger")
    assert failed.count() == 1
    assert "The CoA states the batch does not conform." in failed.inner_text()
    assert page.get_by_role("link", name="Download the acknowledgement (PDF)").count() == 0
    assert_accessible(page)

    batch = BatchNotification.objects.get()
    assert batch.status == BatchStatus.REFUSED
    assert Notification.objects.filter(user=reviewer, event="batch_refused").exists()
    nra = new_page()
    sign_in(nra, reviewer.username)
    nra.goto("/batches/")
    row = nra.get_by_role("row", name=batch.reference)
    assert "Refused" in row.inner_text()
