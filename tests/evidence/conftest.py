"""Evidence is uploaded by applicants: their fixtures, shared with the applicant pages' tests."""

from ..applicant.conftest import draft, mature, member, nra, pdf_upload, product, signed_in, site

__all__ = ["draft", "mature", "member", "nra", "pdf_upload", "product", "signed_in", "site"]
