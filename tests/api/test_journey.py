"""The whole life of a waiver request through the API alone, as a client written from API.md."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile

from tests.factories import (
    PASSWORD,
    TODAY,
    AuthenticatorFactory,
    NraFactory,
    OrganisationFactory,
    assessment,
    authenticator_code,
    minimal_pdf,
)
from waivers.models import DecisionLetter, Role, User, WaiverRequest

from ..world import client_for


def token_client(user):
    """Sign in the way an integrator does: exchange the password (and, for NRA staff, the code of
    their authenticator app) for a token."""
    from rest_framework.test import APIClient

    client = APIClient()
    body = {"username": user.username, "password": PASSWORD}
    if user.must_use_two_factor:
        body["otp"] = authenticator_code(AuthenticatorFactory(user=user))
    response = client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def upload(client, **fields):
    response = client.post("/api/v1/certificates/", fields, format="multipart")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.fixture
def people(db):
    nra = NraFactory(code="KZ-TEST", name="Test NRA", country="KZ")
    mature = NraFactory(code="CH-MATURE", country="CH")
    mature.recognitions.create(scheme="SRA")
    organisation = OrganisationFactory(name="Helix")
    users = {}
    for username, role, kwargs in [
        ("maker", Role.APPLICANT, {"organisation": organisation}),
        ("checker", Role.REVIEWER, {"nra": nra}),
        ("signer", Role.APPROVER, {"nra": nra}),
    ]:
        users[username] = User.objects.create_user(
            username, password=PASSWORD, role=role, first_name=username.title(), **kwargs
        )
    return nra, mature, users


def test_a_request_goes_from_draft_to_decision_letter_through_the_api_only(people, settings):
    nra, mature, users = people
    applicant, reviewer, approver = (token_client(users[u]) for u in ("maker", "checker", "signer"))

    authorities = applicant.get("/api/v1/authorities/", {"receives_requests": "true"}).json()
    assert nra.pk in [a["id"] for a in authorities["results"]]
    site = applicant.post(
        "/api/v1/sites/",
        {"name": "Basel Cell Factory", "address": "Hochbergerstrasse 60", "country": "CH"},
        format="json",
    ).json()["id"]
    product = applicant.post(
        "/api/v1/products/",
        {
            "name": "Helixcel",
            "atmp_class": "CT",
            "production_model": "MTO",
            "storage": "≤ −150 °C",
            "shelf_life_days": 3,
        },
        format="json",
    ).json()["id"]
    common = {"issued_on": (TODAY.replace(day=1)).isoformat()}
    gmp = upload(
        applicant,
        kind="gmp",
        file=ContentFile(minimal_pdf("gmp"), name="gmp.pdf"),
        number="GMP-1",
        issuing_authority=mature.pk,
        site=site,
        inspected_on=(TODAY.replace(day=1) - timedelta(days=30)).isoformat(),
        valid_until=(TODAY + timedelta(days=700)).isoformat(),
        scope="ATMP",
        **common,
    )
    cpp = upload(
        applicant,
        kind="cpp",
        file=ContentFile(minimal_pdf("cpp"), name="cpp.pdf"),
        number="CPP-1",
        issuing_authority=mature.pk,
        product=product,
        exporting_country="CH",
        importing_country="KZ",
        licensed=True,
        **common,
    )
    coa = upload(
        applicant,
        kind="coa",
        file=ContentFile(minimal_pdf("coa"), name="coa.pdf"),
        product=product,
        site=site,
        batch_number="B-001",
        manufactured_on=(TODAY.replace(day=1) - timedelta(days=2)).isoformat(),
        batch_expires_on=(TODAY + timedelta(days=2)).isoformat(),
        conforms=True,
        **common,
    )

    created = applicant.post(
        "/api/v1/waivers/",
        {
            "authority": nra.pk,
            "scope": "import_testing",
            "product": product,
            "sites": [site],
            "certificates": [gmp, cpp],
            "justification": "Autologous: testing would consume the dose.",
            "sampling": {
                "batch_size": 68,
                "release_units": 4,
                "retention_units": 2,
                "in_country_units": 6,
                "units_per_patient": 50,
            },
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    case = created.json()
    assert case["state"] == "draft" and case["reference"].startswith("WR-")
    url = f"/api/v1/waivers/{case['id']}/"

    refused = applicant.post(url + "submit/", {}, format="json")
    assert refused.status_code == 400 and "Certificate of Analysis" in " ".join(
        refused.json()["reasons"]
    )
    edited = applicant.patch(
        url, {"certificates": [gmp, cpp, coa], "version": case["version"]}, format="json"
    )
    assert edited.status_code == 200 and sorted(edited.json()["certificates"]) == sorted(
        [gmp, cpp, coa]
    )
    assert applicant.post(url + "submit/", {}, format="json").json()["state"] == "submitted"

    queue = reviewer.get("/api/v1/waivers/", {"state": "submitted"}).json()
    assert [c["reference"] for c in queue["results"]] == [case["reference"]]
    assert reviewer.post(url + "assign/", {}, format="json").json()["state"] == "under_review"
    asked = reviewer.post(
        url + "request-information/", {"message": "Send the batch record."}, format="json"
    )
    assert asked.json()["state"] == "information_requested"
    assert applicant.get(url).json()["state"] == "information_requested"  # polling the state
    answered = applicant.post(
        url + "respond/", {"message": "The CoA covers it.", "certificates": [coa]}, format="json"
    )
    assert answered.json()["state"] == "under_review"
    recommended = reviewer.post(
        url + "recommend/",
        {
            "outcome": "approve",
            "rationale": "Inspected by a stringent authority.",
            "assessment": assessment(),
        },
        format="json",
    )
    assert recommended.json()["state"] == "recommended"
    own = reviewer.post(url + "sign/", {"password": PASSWORD, "meaning": "approval"}, format="json")
    assert own.status_code == 403  # the recommender may not sign
    wrong = approver.post(url + "sign/", {"password": "nope", "meaning": "approval"}, format="json")
    assert wrong.status_code == 400
    signed = approver.post(
        url + "sign/", {"password": PASSWORD, "meaning": "approval"}, format="json"
    )
    assert signed.status_code == 200
    decided = signed.json()
    assert decided["state"] == "approved" and decided["outcome"] == "approve"
    assert decided["decided_at"] and decided["valid_until"]

    # Letters are issued by a background job; until then there is none to fetch.
    assert applicant.get(url + "letter/").status_code == 404
    letter = DecisionLetter(waiver_id=case["id"], decision="approved", sha256="cd" * 32)
    letter.file.save("l.pdf", ContentFile(minimal_pdf("letter")), save=False)
    letter.save()
    pdf = applicant.get(url + "letter/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    verified = client_for(None).get(f"/api/v1/letters/verify/{letter.verification_code}/")
    assert verified.json()["reference"] == case["reference"]

    history = [e["action"] for e in applicant.get(url + "history/").json()]
    assert history == [
        "create",
        "edit",
        "submit",
        "assign",
        "request_information",
        "respond",
        "sign",
    ]
    assert WaiverRequest.objects.get(pk=case["id"]).certificates.count() == 3
