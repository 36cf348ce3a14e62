"""Every endpoint, every role, own and foreign objects: the status each combination must give.

Objects belong to organisation A and NRA X: for applicant A and the staff of NRA X they are their
own; for applicant B and the reviewer of NRA Y they are another tenant's, which is 404 (never
revealed). The authority admin keeps the register and sees no cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PASSWORD, TODAY, assessment, minimal_pdf

from ..world import ROLES, World

ANON, APP_A, APP_B, REV_X, REV_Y, APPR_X, REG = ROLES


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    url: Callable[[World], str]
    expected: dict[str | None, int]
    body: Callable[[World], Any] = lambda w: {}
    multipart: bool = False


def statuses(default: int, **by_role: int) -> dict[str | None, int]:
    """Each signed-in role gets ``default`` unless named; anonymous is always 401."""
    table: dict[str | None, int] = {role: default for role in ROLES}
    table.update({role.replace("__", "-"): status for role, status in by_role.items()})
    table[ANON] = 401
    return table


# Who sees org A's sites, products and certificates: org A, and NRA X's staff through a case.
SEEN_BY_A_AND_NRA_X = statuses(404, applicant_a=200, reviewer_x=200, approver_x=200)
APPLICANTS_CREATE = statuses(403, applicant_a=201, applicant_b=201)
# A case of org A before any reviewer is assigned: applicant A acts, NRA X's staff are refused.
CASE_OF_A = statuses(404, applicant_a=200, reviewer_x=200, approver_x=200)


def upload(w: World) -> dict[str, Any]:
    site = w.applicant_a.organisation.sites.first() if w.applicant_a else None
    return {
        "kind": "coa",
        "file": SimpleUploadedFile("coa.pdf", minimal_pdf("matrix coa"), "application/pdf"),
        "issued_on": TODAY.isoformat(),
        "batch_number": "B-1",
        "manufactured_on": TODAY.isoformat(),
        "batch_expires_on": TODAY.isoformat(),
        "conforms": "true",
        "product": site and w.draft_a.product_id,
        "site": site and site.pk,
    }


def new_waiver(w: World) -> dict[str, Any]:
    return {
        "authority": w.nra_x.pk,
        "scope": "import_testing",
        "product": w.draft_a.product_id,
        "sites": [w.draft_a.sites.get().pk],
    }


ROWS = [
    Row("list authorities", "get", lambda w: "/api/v1/authorities/", statuses(200)),
    Row(
        "register an authority",
        "post",
        lambda w: "/api/v1/authorities/",
        statuses(403, registrar=201),
        lambda w: {"code": "ZZ-NEW", "name": "New Authority", "country": "ZZ", "reason": "new"},
    ),
    Row(
        "change an authority",
        "patch",
        lambda w: f"/api/v1/authorities/{w.nra_x.pk}/",
        statuses(403, registrar=200),
        lambda w: {"name": "Renamed", "reason": "renamed by law"},
    ),
    Row("list sites", "get", lambda w: "/api/v1/sites/", statuses(200)),
    Row("read a site", "get", lambda w: f"/api/v1/sites/{w.site_a.pk}/", SEEN_BY_A_AND_NRA_X),
    Row(
        "add a site",
        "post",
        lambda w: "/api/v1/sites/",
        APPLICANTS_CREATE,
        lambda w: {"name": "Matrix Plant", "address": "1 Road", "country": "CH"},
    ),
    Row("list products", "get", lambda w: "/api/v1/products/", statuses(200)),
    Row(
        "read a product",
        "get",
        lambda w: f"/api/v1/products/{w.product_a.pk}/",
        SEEN_BY_A_AND_NRA_X,
    ),
    Row(
        "add a product",
        "post",
        lambda w: "/api/v1/products/",
        APPLICANTS_CREATE,
        lambda w: {
            "name": "Matrix Cells",
            "atmp_class": "CT",
            "production_model": "MTO",
            "storage": "LN2",
            "shelf_life_days": "3",
        },
    ),
    Row("list certificates", "get", lambda w: "/api/v1/certificates/", statuses(200)),
    Row(
        "read a certificate",
        "get",
        lambda w: f"/api/v1/certificates/{w.certificate_a.pk}/",
        SEEN_BY_A_AND_NRA_X,
    ),
    Row(
        "download a certificate",
        "get",
        lambda w: f"/api/v1/certificates/{w.certificate_a.pk}/file/",
        SEEN_BY_A_AND_NRA_X,
    ),
    Row(
        # Applicant B names org A's product and site: unknown to B, so a 400 on those fields.
        "upload a certificate",
        "post",
        lambda w: "/api/v1/certificates/",
        statuses(403, applicant_a=201, applicant_b=400),
        upload,
        multipart=True,
    ),
    Row("list waivers", "get", lambda w: "/api/v1/waivers/", statuses(200)),
    Row(
        "create a waiver",
        "post",
        lambda w: "/api/v1/waivers/",
        statuses(403, applicant_a=201, applicant_b=400),
        new_waiver,
    ),
    Row(
        "read a draft",
        "get",
        lambda w: f"/api/v1/waivers/{w.draft_a.pk}/",
        statuses(404, applicant_a=200),
    ),
    Row(
        "read a submitted case", "get", lambda w: f"/api/v1/waivers/{w.submitted_a.pk}/", CASE_OF_A
    ),
    Row(
        # Only applicants edit: others are refused whichever id they name, which reveals nothing.
        "edit a draft",
        "patch",
        lambda w: f"/api/v1/waivers/{w.draft_a.pk}/",
        statuses(403, applicant_a=200, applicant_b=404),
        lambda w: {"justification": "Edited."},
    ),
    Row(
        "edit a submitted case",
        "patch",
        lambda w: f"/api/v1/waivers/{w.submitted_a.pk}/",
        statuses(403, applicant_a=409, applicant_b=404),
        lambda w: {"justification": "Edited."},
    ),
    Row(
        "submit",
        "post",
        lambda w: f"/api/v1/waivers/{w.draft_a.pk}/submit/",
        statuses(404, applicant_a=200),
    ),
    Row(
        "withdraw",
        "post",
        lambda w: f"/api/v1/waivers/{w.submitted_a.pk}/withdraw/",
        statuses(404, applicant_a=200, reviewer_x=403, approver_x=403),
    ),
    Row(
        "assign",
        "post",
        lambda w: f"/api/v1/waivers/{w.submitted_a.pk}/assign/",
        statuses(404, applicant_a=403, reviewer_x=200, approver_x=200),
    ),
    Row(
        "request information",
        "post",
        lambda w: f"/api/v1/waivers/{w.reviewing_a.pk}/request-information/",
        statuses(404, applicant_a=403, reviewer_x=200, approver_x=403),
        lambda w: {"message": "Send the inspection report."},
    ),
    Row(
        "respond",
        "post",
        lambda w: f"/api/v1/waivers/{w.asked_a.pk}/respond/",
        statuses(404, applicant_a=200, reviewer_x=403, approver_x=403),
        lambda w: {"message": "Attached.", "certificates": []},
    ),
    Row(
        "recommend",
        "post",
        lambda w: f"/api/v1/waivers/{w.reviewing_a.pk}/recommend/",
        statuses(404, applicant_a=403, reviewer_x=200, approver_x=403),
        lambda w: {
            "outcome": "approve",
            "rationale": "Mature authority.",
            "assessment": assessment(),
        },
    ),
    Row(
        "return",
        "post",
        lambda w: f"/api/v1/waivers/{w.recommended_a.pk}/return/",
        statuses(404, applicant_a=403, reviewer_x=403, approver_x=200),
        lambda w: {"message": "Check the CoA."},
    ),
    Row(
        # reviewer X recommended it, so may not sign it either.
        "sign",
        "post",
        lambda w: f"/api/v1/waivers/{w.recommended_a.pk}/sign/",
        statuses(404, applicant_a=403, reviewer_x=403, approver_x=200),
        lambda w: {"password": PASSWORD, "meaning": "approval"},
    ),
    Row(
        "revoke",
        "post",
        lambda w: f"/api/v1/waivers/{w.approved_a.pk}/revoke/",
        statuses(404, applicant_a=403, reviewer_x=403, approver_x=200),
        lambda w: {"reason": "GMP certificate withdrawn.", "password": PASSWORD},
    ),
    Row("checks", "get", lambda w: f"/api/v1/waivers/{w.submitted_a.pk}/checks/", CASE_OF_A),
    Row("history", "get", lambda w: f"/api/v1/waivers/{w.submitted_a.pk}/history/", CASE_OF_A),
    Row(
        "letter",
        "get",
        lambda w: f"/api/v1/waivers/{w.letter_a.waiver_id}/letter/",
        CASE_OF_A,
    ),
    Row(
        "verify a letter",
        "get",
        lambda w: f"/api/v1/letters/verify/{w.letter_a.verification_code}/",
        {role: 200 for role in ROLES},
    ),
    Row(
        "impact",
        "post",
        lambda w: "/api/v1/impact/",
        statuses(200),
        lambda w: {
            "batch_size": 100,
            "release_units": 5,
            "retention_units": 2,
            "in_country_units": 4,
            "units_per_patient": 10,
        },
    ),
]

CASES = [
    pytest.param(row, role, id=f"{row.name}-{role or 'anonymous'}")
    for row in ROWS
    for role in ROLES
]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_each_role_gets_the_status_its_rights_allow(world, row, role):
    url, body = row.url(world), row.body(world)
    client = world.client(role)
    call = getattr(client, row.method)
    if row.method == "get":
        response = call(url)
    else:
        response = call(url, body, format="multipart" if row.multipart else "json")
    assert response.status_code == row.expected[role], response.content[:300]
