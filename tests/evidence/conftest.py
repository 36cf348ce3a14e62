"""Evidence is uploaded by applicants: their fixtures, shared with the applicant pages' tests."""

from datetime import timedelta
from typing import Any

from waivers.models import CertificateKind

from ..applicant.conftest import draft, mature, member, nra, pdf_upload, product, signed_in, site
from ..factories import TODAY

__all__ = ["draft", "mature", "member", "nra", "pdf_upload", "product", "signed_in", "site"]


def complete(kind: str, site, product, authority) -> dict[str, Any]:
    """Every field a kind carries, filled in as a careful applicant would."""
    if kind == CertificateKind.GMP:
        return {
            "number": "GMP-1",
            "issuing_authority": authority.pk,
            "site": site.pk,
            "inspected_on": (TODAY - timedelta(days=60)).isoformat(),
            "issued_on": (TODAY - timedelta(days=30)).isoformat(),
            "valid_until": (TODAY + timedelta(days=700)).isoformat(),
            "scope": "ATMP",
            "restrictions": "",
        }
    if kind == CertificateKind.CPP:
        return {
            "number": "CPP-1",
            "issuing_authority": authority.pk,
            "exporting_country": "CH",
            "importing_country": "KZ",
            "product": product.pk,
            "licensed": "true",
            "licence_number": "EU/1/22/1",
            "licence_holder": "Holder",
            "gmp_statement": "Inspected.",
            "issued_on": (TODAY - timedelta(days=30)).isoformat(),
            "valid_until": (TODAY + timedelta(days=700)).isoformat(),
        }
    return {
        "product": product.pk,
        "batch_number": "B-1",
        "site": site.pk,
        "manufactured_on": (TODAY - timedelta(days=3)).isoformat(),
        "batch_expires_on": (TODAY + timedelta(days=3)).isoformat(),
        "conforms": "true",
        "released_by": "QP",
        "number": "",
        "issued_on": (TODAY - timedelta(days=1)).isoformat(),
    }
