"""The cast of the API and queue tests: two applicant organisations, two NRAs, and a client per person.

Org A files to NRA X, org B to NRA Y. Cases in later states are built on first use, through the
workflow, so a test pays only for what it touches.
"""

from __future__ import annotations

from functools import cached_property

from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from tests.factories import (
    ApplicantFactory,
    ApproverFactory,
    NraFactory,
    ReviewerFactory,
    UserFactory,
    WaiverRequestFactory,
    bring_to,
    minimal_pdf,
)
from waivers import workflow
from waivers.models import Authority, DecisionLetter, Role, User, WaiverRequest
from waivers.services.tokens import issue_token

ROLES = [
    None,
    "applicant_a",
    "applicant_b",
    "reviewer_x",
    "reviewer_y",
    "approver_x",
    "registrar",
]


def client_for(user: User | None) -> APIClient:
    """A client signed in with the user's API token, as an integrator's program would be."""
    client = APIClient()
    if user is not None:
        token, _ = issue_token(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


class World:
    def __init__(self) -> None:
        self.nra_x: Authority = NraFactory(code="XX-NRAX")
        self.nra_y: Authority = NraFactory(code="YY-NRAY", country="YY")
        self.draft_a = WaiverRequestFactory(authority=self.nra_x)
        self.applicant_a = ApplicantFactory(
            organisation=self.draft_a.organisation, username="applicant-a"
        )
        self.draft_b = WaiverRequestFactory(authority=self.nra_y)
        self.applicant_b = ApplicantFactory(
            organisation=self.draft_b.organisation, username="applicant-b"
        )
        self.reviewer_x = ReviewerFactory(nra=self.nra_x, username="reviewer-x")
        self.reviewer_y = ReviewerFactory(nra=self.nra_y, username="reviewer-y")
        self.approver_x = ApproverFactory(nra=self.nra_x, username="approver-x")
        self.registrar = UserFactory(role=Role.REGISTRAR, organisation=None, username="registrar")
        for draft, creator in ((self.draft_a, self.applicant_a), (self.draft_b, self.applicant_b)):
            WaiverRequest.objects.filter(pk=draft.pk).update(created_by=creator)
            draft.created_by = creator

    def client(self, who: str | None) -> APIClient:
        return client_for(getattr(self, who) if who else None)

    def _new_case(self, **kwargs: object) -> WaiverRequest:
        return WaiverRequestFactory(
            authority=self.nra_x, organisation=self.draft_a.organisation, **kwargs
        )

    @cached_property
    def submitted_a(self) -> WaiverRequest:
        return bring_to(self._new_case(), "submitted", applicant=self.applicant_a)

    @cached_property
    def submitted_b(self) -> WaiverRequest:
        case = WaiverRequestFactory(authority=self.nra_y, organisation=self.draft_b.organisation)
        return bring_to(case, "submitted", applicant=self.applicant_b)

    @cached_property
    def reviewing_a(self) -> WaiverRequest:
        return bring_to(
            self._new_case(), "under_review", applicant=self.applicant_a, reviewer=self.reviewer_x
        )

    @cached_property
    def asked_a(self) -> WaiverRequest:
        case = self.reviewing_a
        workflow.fire(case, "request_information", actor=self.reviewer_x, message="Which site?")
        return WaiverRequest.objects.get(pk=case.pk)

    @cached_property
    def recommended_a(self) -> WaiverRequest:
        return bring_to(self.reviewing_a, "recommended", reviewer=self.reviewer_x)

    @cached_property
    def approved_a(self) -> WaiverRequest:
        return bring_to(self.recommended_a, "decided", approver=self.approver_x)

    @cached_property
    def letter_a(self) -> DecisionLetter:
        case = self.approved_a
        letter = DecisionLetter(waiver=case, decision=case.state, sha256="ab" * 32)
        letter.file.save("letter.pdf", ContentFile(minimal_pdf("decision letter")), save=False)
        letter.save()
        return letter

    @property
    def site_a(self):  # a site used by a submitted case of org A
        return self.submitted_a.sites.get()

    @property
    def product_a(self):
        return self.submitted_a.product

    @property
    def certificate_a(self):
        return self.submitted_a.certificates.filter(kind="gmp").get()
