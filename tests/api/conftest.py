"""The cast of the API tests: two applicant organisations, two NRAs, and a client per person."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import (
    PASSWORD,
    ApplicantFactory,
    ApproverFactory,
    NraFactory,
    ReviewerFactory,
    UserFactory,
    WaiverRequestFactory,
)
from waivers import workflow
from waivers.models import Role, User, WaiverRequest


def client_for(user: User | None) -> APIClient:
    """A client signed in with the user's API token, as an integrator's program would be."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@dataclass
class Cast:
    """Org A files to NRA X; org B files to NRA Y. Each side has its own people."""

    nra_x: object
    nra_y: object
    applicant_a: User
    applicant_b: User
    reviewer_x: User
    reviewer_y: User
    approver_x: User
    registrar: User
    draft_a: WaiverRequest
    submitted_a: WaiverRequest
    draft_b: WaiverRequest
    submitted_b: WaiverRequest

    def client(self, who: str | None) -> APIClient:
        return client_for(getattr(self, who) if who else None)


@pytest.fixture
def cast(db) -> Cast:
    nra_x, nra_y = NraFactory(code="XX-NRAX"), NraFactory(code="YY-NRAY")
    draft_a = WaiverRequestFactory(authority=nra_x)
    applicant_a = ApplicantFactory(organisation=draft_a.organisation, username="applicant-a")
    submitted_a = WaiverRequestFactory(authority=nra_x, organisation=draft_a.organisation)
    workflow.fire(submitted_a, "submit", actor=applicant_a)
    draft_b = WaiverRequestFactory(authority=nra_y)
    applicant_b = ApplicantFactory(organisation=draft_b.organisation, username="applicant-b")
    submitted_b = WaiverRequestFactory(authority=nra_y, organisation=draft_b.organisation)
    workflow.fire(submitted_b, "submit", actor=applicant_b)
    return Cast(
        nra_x=nra_x,
        nra_y=nra_y,
        applicant_a=applicant_a,
        applicant_b=applicant_b,
        reviewer_x=ReviewerFactory(nra=nra_x, username="reviewer-x"),
        reviewer_y=ReviewerFactory(nra=nra_y, username="reviewer-y"),
        approver_x=ApproverFactory(nra=nra_x, username="approver-x"),
        registrar=UserFactory(role=Role.REGISTRAR, organisation=None, username="registrar"),
        draft_a=WaiverRequest.objects.get(pk=draft_a.pk),
        submitted_a=WaiverRequest.objects.get(pk=submitted_a.pk),
        draft_b=WaiverRequest.objects.get(pk=draft_b.pk),
        submitted_b=WaiverRequest.objects.get(pk=submitted_b.pk),
    )


@pytest.fixture
def password() -> str:
    return PASSWORD
