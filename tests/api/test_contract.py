"""Each endpoint of API.md answers with the promised fields, and with each of its error statuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import (
    PASSWORD,
    TODAY,
    CertificateFactory,
    RecognitionFactory,
    SiteFactory,
    assessment,
    minimal_pdf,
)
from waivers.models import Authority, CheckResult, DecisionLetter

from ..world import client_for

WAIVER_FIELDS = {
    "id",
    "reference",
    "state",
    "scope",
    "product",
    "sites",
    "authority",
    "organisation",
    "justification",
    "certificates",
    "sampling",
    "reviewer",
    "submitted_at",
    "decided_at",
    "clock_days",
    "outcome",
    "valid_until",
}


@pytest.fixture
def throttle(monkeypatch):
    """Tighten one throttle scope for a test, on a clean cache."""
    cache.clear()

    def tighten(scope: str, rate: str) -> None:
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, scope, rate)

    yield tighten
    cache.clear()


# --- auth ---------------------------------------------------------------------------------------


def test_token_is_issued_for_a_correct_password_and_works_as_a_header(world):
    anonymous = client_for(None)
    response = anonymous.post(
        "/api/v1/auth/token/", {"username": "applicant-a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert anonymous.get("/api/v1/waivers/").status_code == 200


def test_token_is_refused_for_a_wrong_password(world):
    response = client_for(None).post(
        "/api/v1/auth/token/", {"username": "applicant-a", "password": "guess"}, format="json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_token_endpoint_is_throttled(world, throttle):
    throttle("token", "2/min")
    client = client_for(None)
    body = {"username": "applicant-a", "password": "guess"}
    codes = [client.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_unauthenticated_requests_are_401_and_name_the_token_scheme(world):
    response = client_for(None).get("/api/v1/waivers/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_401(world):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/waivers/").status_code == 401


def test_session_sign_in_works_too(world, client):
    client.force_login(world.applicant_a)
    assert client.get("/api/v1/waivers/").status_code == 200


# --- authorities --------------------------------------------------------------------------------


def test_authorities_show_their_recognitions(world):
    RecognitionFactory(authority=world.nra_y, scheme="WLA", valid_from=TODAY, source="WHO")
    results = world.client("reviewer_x").get("/api/v1/authorities/", {"code": "YY-NRAY"}).json()
    assert results["count"] == 1
    (nra,) = results["results"]
    assert set(nra) == {"id", "code", "name", "country", "recognitions", "receives_requests"}
    assert nra["recognitions"] == [
        {
            "scheme": "WLA",
            "scope": "",
            "valid_from": TODAY.isoformat(),
            "valid_to": None,
            "source": "WHO",
        }
    ]


def test_authorities_filter_by_scheme_maturity_date_country_and_receiving(world):
    RecognitionFactory(
        authority=world.nra_x,
        scheme="WLA",
        valid_from=TODAY - timedelta(days=10),
        valid_to=TODAY - timedelta(days=1),
    )
    RecognitionFactory(authority=world.nra_y, scheme="WLA", valid_from=TODAY - timedelta(days=5))
    client = world.client("applicant_a")

    def codes(**params):
        return {a["code"] for a in client.get("/api/v1/authorities/", params).json()["results"]}

    assert codes(scheme="WLA") == {"XX-NRAX", "YY-NRAY"}
    assert codes(scheme="WLA", mature_on=TODAY.isoformat()) == {"YY-NRAY"}
    assert codes(scheme="WLA", mature_on=(TODAY - timedelta(days=8)).isoformat()) == {"XX-NRAX"}
    assert codes(receives_requests="true") == {"XX-NRAX", "YY-NRAY"}
    assert codes(country="yy", receives_requests="true") == {"YY-NRAY"}


def test_authority_filters_refuse_malformed_values_naming_the_filter(world):
    client = world.client("applicant_a")
    response = client.get("/api/v1/authorities/", {"mature_on": "yesterday", "scheme": "XYZ"})
    assert response.status_code == 400 and {"mature_on", "scheme"} <= set(response.json())


def test_authority_admin_registers_an_authority_with_its_recognitions(world):
    response = world.client("registrar").post(
        "/api/v1/authorities/",
        {
            "code": "ZZ-NEW",
            "name": "New Authority",
            "country": "ZZ",
            "reason": "new authority",
            "recognitions": [{"scheme": "PICS", "valid_from": "2024-01-01", "source": "PIC/S"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    authority = Authority.objects.get(code="ZZ-NEW")
    assert [r.scheme for r in authority.recognitions.all()] == ["PICS"]


def test_authority_admin_replaces_recognitions_with_a_patch(world):
    RecognitionFactory(authority=world.nra_x, scheme="SRA")
    response = world.client("registrar").patch(
        f"/api/v1/authorities/{world.nra_x.pk}/",
        {
            "recognitions": [{"scheme": "WLA"}],
            "receives_requests": False,
            "reason": "WHO listed it",
        },
        format="json",
    )
    assert response.status_code == 200
    world.nra_x.refresh_from_db()
    assert [r.scheme for r in world.nra_x.recognitions.all()] == ["WLA"]
    assert world.nra_x.receives_requests is False


def test_register_refuses_a_recognition_that_ends_before_it_begins(world):
    response = world.client("registrar").post(
        "/api/v1/authorities/",
        {
            "code": "ZZ-BAD",
            "name": "Bad",
            "country": "ZZ",
            "reason": "new authority",
            "recognitions": [
                {"scheme": "SRA", "valid_from": "2025-01-01", "valid_to": "2024-01-01"}
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "cannot end before it begins" in str(response.json()["recognitions"])
    assert not Authority.objects.filter(code="ZZ-BAD").exists()


def test_register_refuses_a_duplicate_code_naming_it(world):
    response = world.client("registrar").post(
        "/api/v1/authorities/", {"code": "XX-NRAX", "name": "Dup", "country": "XX"}, format="json"
    )
    assert response.status_code == 400 and "code" in response.json()


def test_users_with_the_register_permissions_maintain_it_too(world):
    from django.contrib.auth.models import Permission

    world.reviewer_x.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_authority", "change_authority"])
    )
    response = world.client("reviewer_x").patch(
        f"/api/v1/authorities/{world.nra_y.pk}/",
        {"name": "Renamed", "reason": "renamed by law"},
        format="json",
    )
    assert response.status_code == 200


def test_an_unknown_authority_is_404(world):
    assert world.client("registrar").get("/api/v1/authorities/999999/").status_code == 404


# --- sites and products -------------------------------------------------------------------------


def test_applicant_adds_a_site_to_their_own_organisation(world):
    response = world.client("applicant_a").post(
        "/api/v1/sites/",
        {"name": "Basel", "address": "Hochbergerstrasse 60", "country": "CH"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["organisation"] == world.applicant_a.organisation_id


def test_a_second_site_of_the_same_name_is_refused_naming_name(world):
    client = world.client("applicant_a")
    body = {"name": "Basel", "address": "x", "country": "CH"}
    assert client.post("/api/v1/sites/", body, format="json").status_code == 201
    response = client.post("/api/v1/sites/", body, format="json")
    assert response.status_code == 400 and "name" in response.json()


def test_site_country_must_be_an_iso_code(world):
    response = world.client("applicant_a").post(
        "/api/v1/sites/", {"name": "X", "address": "x", "country": "Switzerland"}, format="json"
    )
    assert response.status_code == 400 and "country" in response.json()


def test_another_organisations_site_is_404(world):
    site = SiteFactory()
    assert world.client("applicant_a").get(f"/api/v1/sites/{site.pk}/").status_code == 404


def test_applicant_adds_a_product(world):
    response = world.client("applicant_a").post(
        "/api/v1/products/",
        {
            "name": "Helixcel",
            "atmp_class": "CT",
            "production_model": "MTO",
            "storage": "LN2",
            "shelf_life_days": 3,
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["shelf_life_days"] == 3


def test_a_product_with_an_unknown_class_or_no_shelf_life_is_refused_naming_the_fields(world):
    response = world.client("applicant_a").post(
        "/api/v1/products/",
        {
            "name": "X",
            "atmp_class": "XX",
            "production_model": "MTO",
            "storage": "LN2",
            "shelf_life_days": 0,
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"atmp_class", "shelf_life_days"} <= set(response.json())


# --- certificates -------------------------------------------------------------------------------


def gmp_upload(world, content: bytes = b"", **overrides):
    site = world.draft_a.sites.get()
    fields = {
        "kind": "gmp",
        "file": SimpleUploadedFile("gmp.pdf", content or minimal_pdf("upload"), "application/pdf"),
        "number": "GMP-77",
        "issuing_authority": world.nra_y.pk,
        "issued_on": TODAY.isoformat(),
        "valid_until": (TODAY + timedelta(days=365)).isoformat(),
        "site": site.pk,
        "inspected_on": TODAY.isoformat(),
        "scope": "ATMP",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def test_uploading_a_gmp_certificate_stores_it_for_the_organisation(world):
    response = world.client("applicant_a").post(
        "/api/v1/certificates/", gmp_upload(world), format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "gmp" and body["number"] == "GMP-77"
    assert body["organisation"] == world.applicant_a.organisation_id
    assert body["file"] == f"/api/v1/certificates/{body['id']}/file/"


def test_uploading_the_same_file_again_returns_the_stored_one_with_200(world):
    client = world.client("applicant_a")
    first = client.post("/api/v1/certificates/", gmp_upload(world), format="multipart").json()
    again = client.post("/api/v1/certificates/", gmp_upload(world), format="multipart")
    assert again.status_code == 200 and again.json()["id"] == first["id"]


def test_a_file_that_is_not_a_pdf_is_415(world):
    response = world.client("applicant_a").post(
        "/api/v1/certificates/",
        gmp_upload(world, content=b"<html><script>alert(1)</script></html>"),
        format="multipart",
    )
    assert response.status_code == 415


def test_a_file_over_the_limit_is_413(world, settings):
    settings.UPLOAD_MAX_BYTES = 200
    response = world.client("applicant_a").post(
        "/api/v1/certificates/", gmp_upload(world), format="multipart"
    )
    assert response.status_code == 413


def test_a_body_declared_over_the_limit_is_413_before_it_is_read(world, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = world.client("applicant_a").post(
        "/api/v1/certificates/",
        gmp_upload(world),
        format="multipart",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert response.status_code == 413


def test_a_coa_may_not_name_an_issuing_authority(world):
    response = world.client("applicant_a").post(
        "/api/v1/certificates/",
        gmp_upload(world, kind="coa", batch_number="B1", product=world.draft_a.product_id),
        format="multipart",
    )
    assert response.status_code == 400 and "issuing_authority" in response.json()


def test_a_certificate_expiring_before_its_issue_is_refused(world):
    response = world.client("applicant_a").post(
        "/api/v1/certificates/",
        gmp_upload(world, valid_until=(TODAY - timedelta(days=1)).isoformat()),
        format="multipart",
    )
    assert response.status_code == 400
    assert "cannot expire before it is issued" in str(response.json())


def test_certificate_metadata_and_file_for_the_owner(world):
    certificate = world.certificate_a
    client = world.client("applicant_a")
    meta = client.get(f"/api/v1/certificates/{certificate.pk}/").json()
    assert meta["number"] == certificate.number and meta["sha256"] == certificate.sha256
    response = client.get(f"/api/v1/certificates/{certificate.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_certificate_no_case_uses_is_404_for_reviewers(world):
    unused = CertificateFactory(organisation=world.applicant_a.organisation)
    client = world.client("reviewer_x")
    assert client.get(f"/api/v1/certificates/{unused.pk}/").status_code == 404
    assert client.get(f"/api/v1/certificates/{unused.pk}/file/").status_code == 404


def test_a_file_download_asked_for_as_pdf_still_explains_a_404_in_json(world):
    response = world.client("applicant_b").get(
        f"/api/v1/certificates/{world.certificate_a.pk}/file/", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


# --- waivers ------------------------------------------------------------------------------------


def new_request(world, **overrides):
    body = {
        "authority": world.nra_x.pk,
        "scope": "import_testing",
        "product": world.draft_a.product_id,
        "sites": [world.draft_a.sites.get().pk],
        "justification": "Autologous.",
        "sampling": {"batch_size": "68", "release_units": 4, "units_per_patient": 50},
    }
    body.update(overrides)
    return body


def test_creating_a_request_answers_every_field_of_the_contract(world):
    response = world.client("applicant_a").post(
        "/api/v1/waivers/", new_request(world), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= WAIVER_FIELDS
    assert body["state"] == "draft" and body["outcome"] is None and body["clock_days"] is None
    assert body["sampling"]["batch_size"] == 68 and body["sampling"]["testing_countries"] == 1
    assert body["organisation"] == world.applicant_a.organisation_id


def test_a_request_to_an_authority_that_receives_none_is_refused_naming_authority(world):
    other = RecognitionFactory().authority
    response = world.client("applicant_a").post(
        "/api/v1/waivers/", new_request(world, authority=other.pk), format="json"
    )
    assert response.status_code == 400 and "authority" in response.json()


def test_list_filters_by_state_scope_authority_and_words(world, django_assert_max_num_queries):
    world.submitted_a  # noqa: B018 - build it
    client = world.client("applicant_a")

    def refs(**params):
        with django_assert_max_num_queries(12):
            response = client.get("/api/v1/waivers/", params)
        return {c["reference"] for c in response.json()["results"]}

    assert refs(state="draft") == {world.draft_a.reference}
    assert refs(state="submitted") == {world.submitted_a.reference}
    assert refs(authority=world.nra_y.pk) == set()
    assert refs(scope="clinical_trial") == set()
    assert refs(q=world.submitted_a.reference[-6:]) == {world.submitted_a.reference}
    assert refs(q=world.draft_a.product.name) == {world.draft_a.reference}


def test_lists_are_paginated(world):
    body = world.client("applicant_a").get("/api/v1/waivers/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert world.client("applicant_a").get("/api/v1/waivers/", {"page": 99}).status_code == 404


def test_editing_a_draft_with_a_stale_version_is_409_with_the_state(world):
    url = f"/api/v1/waivers/{world.draft_a.pk}/"
    client = world.client("applicant_a")
    assert (
        client.patch(url, {"justification": "One", "version": 1}, format="json").status_code == 200
    )
    response = client.patch(url, {"justification": "Two", "version": 1}, format="json")
    assert response.status_code == 409 and response.json()["state"] == "draft"


def test_editing_sampling_changes_only_what_was_sent(world):
    url = f"/api/v1/waivers/{world.draft_a.pk}/"
    response = world.client("applicant_a").patch(
        url, {"sampling": {"testing_countries": 3}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["sampling"]["testing_countries"] == 3
    assert response.json()["sampling"]["batch_size"] == 100


def test_editing_a_submitted_request_is_409(world):
    response = world.client("applicant_a").patch(
        f"/api/v1/waivers/{world.submitted_a.pk}/", {"justification": "x"}, format="json"
    )
    assert response.status_code == 409 and response.json()["state"] == "submitted"


def test_put_is_not_offered(world):
    response = world.client("applicant_a").put(
        f"/api/v1/waivers/{world.draft_a.pk}/", new_request(world), format="json"
    )
    assert response.status_code == 405


# --- workflow actions ---------------------------------------------------------------------------


def act(world, who, case, action, body=None):
    return world.client(who).post(f"/api/v1/waivers/{case.pk}/{action}/", body or {}, format="json")


def test_submitting_without_the_required_evidence_is_400_with_reasons(world):
    world.draft_a.certificates.clear()
    response = act(world, "applicant_a", world.draft_a, "submit")
    assert response.status_code == 400
    assert any("Missing evidence" in r for r in response.json()["reasons"])


def test_an_action_the_state_does_not_allow_is_409_with_the_current_state(world):
    response = act(world, "applicant_a", world.submitted_a, "submit")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "You cannot submit a case that is submitted.",
        "state": "submitted",
    }


def test_an_action_on_a_stale_version_is_409(world):
    response = act(world, "applicant_a", world.draft_a, "submit", {"version": 7})
    assert response.status_code == 409 and response.json()["state"] == "draft"


def test_a_reviewer_assigns_a_colleague_by_id(world):
    colleague = type(world.reviewer_x).objects.create_user(
        "colleague", role="reviewer", nra=world.nra_x
    )
    response = act(world, "reviewer_x", world.submitted_a, "assign", {"reviewer": colleague.pk})
    assert response.status_code == 200 and response.json()["reviewer"] == colleague.pk


def test_assigning_a_reviewer_of_another_nra_is_refused_naming_reviewer(world):
    response = act(
        world, "reviewer_x", world.submitted_a, "assign", {"reviewer": world.reviewer_y.pk}
    )
    assert response.status_code == 400 and "reviewer" in response.json()


def test_requesting_information_stops_the_clock_until_the_response(world):
    response = act(
        world, "reviewer_x", world.reviewing_a, "request-information", {"message": "Which lot?"}
    )
    assert response.json()["state"] == "information_requested"
    response = act(world, "applicant_a", world.reviewing_a, "respond", {"message": "Lot 7."})
    assert response.json()["state"] == "under_review"


def test_responding_with_another_organisations_certificate_is_refused(world):
    foreign = world.submitted_b.certificates.first()
    response = act(
        world,
        "applicant_a",
        world.asked_a,
        "respond",
        {"message": "Here.", "certificates": [foreign.pk]},
    )
    assert response.status_code == 400 and "certificates" in response.json()


def test_a_partial_recommendation_needs_conditions(world):
    response = act(
        world,
        "reviewer_x",
        world.reviewing_a,
        "recommend",
        {"outcome": "partial", "rationale": "Mostly mature.", "assessment": assessment()},
    )
    assert response.status_code == 400 and "conditions" in response.json()


def test_the_approver_returns_a_recommendation(world):
    response = act(
        world, "approver_x", world.recommended_a, "return", {"message": "Check the CoA."}
    )
    assert response.status_code == 200 and response.json()["state"] == "under_review"


def test_signing_with_a_wrong_password_is_400_and_changes_nothing(world):
    response = act(
        world,
        "approver_x",
        world.recommended_a,
        "sign",
        {"password": "wrong", "meaning": "approval"},
    )
    assert response.status_code == 400
    assert world.client("approver_x").get(f"/api/v1/waivers/{world.recommended_a.pk}/").json()[
        "state"
    ] == ("recommended")


def test_signing_needs_the_meaning_approval(world):
    response = act(
        world,
        "approver_x",
        world.recommended_a,
        "sign",
        {"password": PASSWORD, "meaning": "review"},
    )
    assert response.status_code == 400 and "meaning" in response.json()


def test_the_recommender_may_not_sign(world):
    world.recommended_a.refresh_from_db()
    world.reviewer_x.role = "approver"
    world.reviewer_x.save()
    response = act(
        world,
        "reviewer_x",
        world.recommended_a,
        "sign",
        {"password": PASSWORD, "meaning": "approval"},
    )
    assert response.status_code == 403


def test_revoking_a_granted_waiver_needs_a_reason(world):
    response = act(world, "approver_x", world.approved_a, "revoke", {"password": PASSWORD})
    assert response.status_code == 400 and "reason" in response.json()
    response = act(
        world, "approver_x", world.approved_a, "revoke", {"password": PASSWORD, "reason": "Fraud"}
    )
    assert response.status_code == 200 and response.json()["state"] == "revoked"


def test_withdrawing_after_a_decision_is_409(world):
    response = act(world, "applicant_a", world.approved_a, "withdraw")
    assert response.status_code == 409 and response.json()["state"] == "approved"


# --- checks, history, letter, verification ------------------------------------------------------


def test_checks_list_the_latest_results(world):
    from django.utils import timezone

    CheckResult.objects.create(
        waiver=world.submitted_a,
        check_name="completeness",
        status="pass",
        detail="All there.",
        ran_at=timezone.now(),
    )
    results = world.client("reviewer_x").get(f"/api/v1/waivers/{world.submitted_a.pk}/checks/")
    (result,) = results.json()
    assert result["check"] == "completeness" and result["status"] == "pass"
    assert set(result) == {"check", "status", "detail", "ran_at"}


def test_history_lists_each_step_with_who_and_what_changed(world):
    history = world.client("applicant_a").get(f"/api/v1/waivers/{world.reviewing_a.pk}/history/")
    entries = history.json()
    assert [e["action"] for e in entries] == ["submit", "assign"]
    assign = entries[1]
    assert {"at", "actor", "action", "from_state", "to_state", "changes", "reason"} <= set(assign)
    assert assign["actor"] == world.reviewer_x.printed_name
    assert assign["from_state"] == "submitted" and assign["to_state"] == "under_review"
    assert assign["changes"]["reviewer_id"]["new"] == world.reviewer_x.pk


def test_the_letter_is_404_until_issued_then_a_pdf(world):
    client = world.client("applicant_a")
    url = f"/api/v1/waivers/{world.approved_a.pk}/letter/"
    assert client.get(url).status_code == 404
    world.letter_a  # noqa: B018 - issue it
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_latest_letter_version_is_served(world):
    first = world.letter_a
    second = DecisionLetter(waiver=first.waiver, version=2, decision="revoked", sha256="ef" * 32)
    second.file.save("v2.pdf", ContentFile(minimal_pdf("second letter")), save=False)
    second.save()
    response = world.client("reviewer_x").get(f"/api/v1/waivers/{first.waiver_id}/letter/")
    assert "decision-v2.pdf" in response["Content-Disposition"]


def test_verifying_a_code_tells_anyone_the_reference_decision_and_date(world):
    letter = world.letter_a
    response = client_for(None).get(f"/api/v1/letters/verify/{letter.verification_code.lower()}/")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["reference"] == world.approved_a.reference
    assert body["decision"] == "Approved" and body["issued_at"]


def test_an_unknown_code_is_404_and_says_so(db):
    response = client_for(None).get("/api/v1/letters/verify/AAAA-BBBB-CCCC-DDDD/")
    assert response.status_code == 404 and response.json()["valid"] is False


def test_verification_is_throttled(db, throttle):
    throttle("verify", "2/min")
    client = client_for(None)
    codes = [client.get("/api/v1/letters/verify/NOPE/").status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_the_schema_and_docs_are_served(world):
    client = world.client("applicant_a")
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = schema.json()["paths"]
    assert "/api/v1/waivers/{id}/request-information/" in paths
    assert "409" in paths["/api/v1/waivers/{id}/submit/"]["post"]["responses"]
    assert "413" in paths["/api/v1/certificates/"]["post"]["responses"]
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/waivers/null,null/batches/",
        "/api/v1/waivers/1/batches/x/acknowledgement/",
        "/api/v1/no-such-thing/",
    ],
)
def test_an_unknown_api_path_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
