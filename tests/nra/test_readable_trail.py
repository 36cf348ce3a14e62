"""The audit trail reads as sentences: names and labels, not database ids or field names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from waivers.audit_text import readable
from waivers.models import AuditEntry
from waivers.services.cases import update_draft
from waivers.workflow import fire

from ..factories import CertificateFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_an_edit_of_the_evidence_names_the_certificates_added_and_removed(case, applicant):
    kept = list(case.certificates.all())
    new = CertificateFactory(organisation=case.organisation, kind="gmp", number="GMP-CH-0001")
    update_draft(waiver=case, user=applicant, certificates=[*kept[1:], new])
    (step,) = readable([AuditEntry.objects.filter(waiver=case).latest("seq")])
    assert step.label == "Draft edited"
    assert "added certificates GMP certificate GMP-CH-0001" in step.details
    assert f"removed certificates {kept[0]}" in step.details
    assert not any(str(new.pk) in line for line in step.details)


def test_the_case_page_timeline_reads_as_sentences(client, approved, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("nra:case", args=[approved.reference])).content.decode()
    timeline = page[page.index("Timeline (audit trail)") :]
    assert "Assigned to a reviewer" in timeline and "Decision signed" in timeline
    assert f"reviewer: — → {reviewer.printed_name}" in timeline
    assert "Submitted → Under review" in timeline
    for raw in ("reviewer_id", "recommended_outcome", "under_review"):
        assert raw not in timeline


def test_messages_are_headed_in_words_on_the_case_page(client, under_review, reviewer):
    fire(under_review, "request_information", actor=reviewer, message="Which site made it?")
    client.force_login(reviewer)
    page = client.get(reverse("nra:case", args=[under_review.reference])).content.decode()
    assert "Information requested by the NRA" in page
    assert "Informationrequest" not in page


def test_a_draft_created_with_sites_names_them(case):
    site = SiteFactory(organisation=case.organisation, name="Leiden plant", country="NL")
    entry = AuditEntry(action="create", changes={"sites": [site.pk], "certificates": []})
    (step,) = readable([entry])
    assert step.details == ["sites: Leiden plant (NL)", "certificates: —"]
