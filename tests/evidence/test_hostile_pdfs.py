"""Issue 18, findings 4 and 5: every PDF of the hostile corpus is refused on the web form and the
API alike, with its reason, and nothing is stored; ordinary PDFs still pass."""

from __future__ import annotations

import io
from functools import cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from waivers.models import Certificate, CertificateKind

from ..world import client_for
from .conftest import complete
from .hostile import CORPUS, PAGES, document, one_page

GMP_URL = reverse("applicant:evidence_upload", args=["gmp"])
API_URL = "/api/v1/certificates/"


@cache
def hostile(name: str) -> bytes:
    return CORPUS[name].make()


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("certificate.pdf", content, content_type="application/pdf")


def web_upload(client, site, authority, content: bytes):
    data = {**complete(CertificateKind.GMP, site, None, authority), "file": upload(content)}
    return client.post(GMP_URL, data)


def api_upload(member, site, authority, content: bytes):
    data = {
        "kind": "gmp",
        **complete(CertificateKind.GMP, site, None, authority),
        "file": upload(content),
    }
    return client_for(member).post(API_URL, data, format="multipart")


def nothing_stored(settings) -> bool:
    return not Certificate.objects.exists() and not (settings.MEDIA_ROOT / "evidence").exists()


@pytest.mark.parametrize("name", CORPUS)
def test_a_hostile_pdf_is_refused_on_the_web_form_next_to_the_file(
    signed_in, site, mature, settings, name
):
    response = web_upload(signed_in, site, mature, hostile(name))
    assert response.status_code == 400
    assert CORPUS[name].reason in " ".join(response.context["form"].errors["file"])
    assert nothing_stored(settings)


@pytest.mark.parametrize("name", CORPUS)
def test_a_hostile_pdf_is_refused_by_the_api_with_the_reason(member, site, mature, settings, name):
    response = api_upload(member, site, mature, hostile(name))
    assert response.status_code == 400
    assert CORPUS[name].reason in " ".join(response.json()["file"])
    assert nothing_stored(settings)


def test_a_pdf_written_by_a_library_is_accepted(member, site, mature):
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "GMP certificate"})
    buffer = io.BytesIO()
    writer.write(buffer)
    assert api_upload(member, site, mature, buffer.getvalue()).status_code == 201


def test_a_pdf_opening_at_its_first_page_is_accepted(signed_in, site, mature):
    """Word and LibreOffice write an /OpenAction that shows page one: not active content."""
    opening = one_page(b"/OpenAction [3 0 R /XYZ null null 0]")
    assert web_upload(signed_in, site, mature, opening).status_code == 302
    assert Certificate.objects.count() == 1


def test_a_pdf_with_its_objects_in_an_object_stream_is_accepted(member, site, mature):
    with_page = document(
        [b"<< /Type /Catalog /Pages 2 0 R >>", PAGES],
        packed=[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"],
    )
    assert api_upload(member, site, mature, with_page).status_code == 201


@pytest.mark.parametrize(
    ("setting", "value", "content", "reason"),
    [
        ("PDF_MAX_PAGES", 2, "ten-thousand-pages", "more than 2 pages"),
        ("PDF_MAX_NESTING", 3, "page-tree-150-deep", "nested deeper than 3 levels"),
        ("PDF_MAX_OBJECTS", 3, "ten-thousand-pages", "more than 3 objects"),
    ],
)
def test_the_limits_are_read_from_the_settings(
    member, site, mature, settings, setting, value, content, reason
):
    setattr(settings, setting, value)
    response = api_upload(member, site, mature, hostile(content))
    assert response.status_code == 400 and reason in response.json()["file"][0]


def test_the_decompressed_size_limit_is_read_from_the_settings(member, site, mature, settings):
    settings.PDF_MAX_DECOMPRESSED_BYTES = 1024 * 1024
    response = api_upload(member, site, mature, hostile("deflate-bomb-2-gib"))
    assert "decompresses to more than 1 MB" in response.json()["file"][0]
