"""Drafts: created and edited only by their organisation, every field change audited."""

from decimal import Decimal

import pytest

from waivers.errors import InvalidInput, NotPermitted, StaleCase
from waivers.models import AuditEntry
from waivers.services.cases import create_request, update_draft

from .factories import ApplicantFactory, ProductFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_field_edits_of_a_draft_are_audited_old_to_new(case, applicant):
    update_draft(
        waiver=case, user=applicant, batch_size=Decimal("120"), justification="Short shelf-life."
    )
    entry = AuditEntry.objects.filter(waiver=case).last()
    assert entry.action == "edit"
    assert entry.changes["batch_size"] == {"old": "100.000", "new": "120"}
    assert entry.changes["justification"]["new"] == "Short shelf-life."


def test_a_draft_is_created_with_a_yearly_reference_and_audited(case, applicant):
    product = ProductFactory(organisation=applicant.organisation)
    draft = create_request(
        user=applicant,
        authority=case.authority,
        scope="import_testing",
        product=product,
        sites=[SiteFactory(organisation=applicant.organisation)],
    )
    assert draft.reference.startswith("WR-20") and len(draft.reference) == 14
    assert AuditEntry.objects.get(waiver=draft).action == "create"


def test_another_organisations_product_is_refused_and_nothing_saved(case, applicant):
    with pytest.raises(InvalidInput) as refused:
        update_draft(waiver=case, user=applicant, product=ProductFactory())
    assert "product" in refused.value.errors
    case.refresh_from_db()
    assert not AuditEntry.objects.filter(waiver=case).exists()


def test_another_organisation_cannot_edit_the_draft(case):
    with pytest.raises(NotPermitted):
        update_draft(waiver=case, user=ApplicantFactory(), justification="mine now")


def test_an_edit_on_a_stale_page_is_refused(case, applicant):
    with pytest.raises(StaleCase):
        update_draft(
            waiver=case, user=applicant, expected_version=case.version + 1, justification="x"
        )
