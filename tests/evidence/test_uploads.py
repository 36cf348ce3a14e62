"""Uploading evidence through the web form: what is accepted, what is refused, and how it leaves."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from waivers.models import Certificate, CertificateKind

from ..factories import TODAY, CertificateFactory, ProductFactory, minimal_pdf
from .conftest import complete, draft, pdf_upload

GMP_URL = reverse("applicant:evidence_upload", args=["gmp"])


def gmp_data(site, authority, file) -> dict:
    return {**complete(CertificateKind.GMP, site, None, authority), "file": file}


def refused(response, message: str) -> None:
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert Certificate.objects.count() == 0


def test_a_gmp_certificate_is_stored_under_a_generated_name(signed_in, site, mature):
    response = signed_in.post(GMP_URL, gmp_data(site, mature, pdf_upload("gmp")))
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.kind == "gmp" and certificate.number == "GMP-1"
    assert certificate.file.name.startswith(f"evidence/{site.organisation_id}/")
    assert len(certificate.sha256) == 64


@pytest.mark.django_db
def test_the_same_file_twice_is_reused_not_duplicated(signed_in, site, mature):
    signed_in.post(GMP_URL, gmp_data(site, mature, pdf_upload("same")))
    response = signed_in.post(GMP_URL, gmp_data(site, mature, pdf_upload("same")), follow=True)
    assert Certificate.objects.count() == 1
    assert "already uploaded" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.pdf", b"<!doctype html><html><body>hi</body></html>"),
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 100),
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
    ],
)
def test_a_renamed_file_that_is_not_a_pdf_is_refused_next_to_the_file(
    signed_in, site, mature, name, content
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    refused(signed_in.post(GMP_URL, gmp_data(site, mature, upload)), "not a PDF")


def test_an_empty_file_is_refused(signed_in, site, mature):
    upload = SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf")
    response = signed_in.post(GMP_URL, gmp_data(site, mature, upload))
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert Certificate.objects.count() == 0


def test_a_truncated_pdf_is_refused(signed_in, site, mature):
    whole = minimal_pdf("cut")
    upload = SimpleUploadedFile("cut.pdf", whole[: len(whole) // 2])
    refused(signed_in.post(GMP_URL, gmp_data(site, mature, upload)), "truncated or corrupt")


def test_an_encrypted_pdf_is_refused(signed_in, site, mature):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    upload = SimpleUploadedFile("locked.pdf", buffer.getvalue())
    refused(signed_in.post(GMP_URL, gmp_data(site, mature, upload)), "encrypted")


def test_a_file_over_the_limit_is_refused_before_it_is_stored(
    signed_in, site, mature, settings, tmp_path
):
    settings.UPLOAD_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.pdf", minimal_pdf("big") + b"%" * 2048)
    refused(signed_in.post(GMP_URL, gmp_data(site, mature, upload)), "larger than")
    assert not (settings.MEDIA_ROOT / "evidence").exists()


def test_a_path_like_filename_never_reaches_the_file_system(signed_in, site, mature, settings):
    upload = pdf_upload("path", name="../../etc/passwd.pdf")
    response = signed_in.post(GMP_URL, gmp_data(site, mature, upload))
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert "/" not in certificate.original_name and ".." not in certificate.file.name
    stored = settings.MEDIA_ROOT / certificate.file.name
    assert stored.is_file() and stored.resolve().is_relative_to(settings.MEDIA_ROOT.resolve())


def test_another_organisations_site_cannot_be_named(signed_in, member, mature):
    foreign = CertificateFactory().site
    response = signed_in.post(GMP_URL, gmp_data(foreign, mature, pdf_upload("foreign")))
    assert response.status_code == 400
    assert response.context["form"].errors["site"]
    assert not Certificate.objects.filter(organisation=member.organisation).exists()


def test_missing_metadata_is_a_field_error_and_saves_nothing(signed_in, site, mature):
    data = gmp_data(site, mature, pdf_upload("nometa"))
    del data["valid_until"]
    response = signed_in.post(GMP_URL, data)
    assert response.status_code == 400
    assert response.context["form"].errors["valid_until"]
    assert Certificate.objects.count() == 0


def test_a_cpp_and_a_coa_have_their_own_forms(signed_in, member, site, mature):
    product = ProductFactory(organisation=member.organisation)
    cpp = {
        "number": "CPP-9",
        "issuing_authority": mature.pk,
        "exporting_country": "ch",
        "importing_country": "kz",
        "product": product.pk,
        "licensed": "true",
        "issued_on": (TODAY - timedelta(days=10)).isoformat(),
        "file": pdf_upload("cpp"),
    }
    coa = {
        "product": product.pk,
        "batch_number": "B-77",
        "site": site.pk,
        "manufactured_on": (TODAY - timedelta(days=5)).isoformat(),
        "batch_expires_on": (TODAY + timedelta(days=200)).isoformat(),
        "conforms": "true",
        "released_by": "QP Jane",
        "issued_on": (TODAY - timedelta(days=4)).isoformat(),
        "file": pdf_upload("coa"),
    }
    assert (
        signed_in.post(reverse("applicant:evidence_upload", args=["cpp"]), cpp).status_code == 302
    )
    assert (
        signed_in.post(reverse("applicant:evidence_upload", args=["coa"]), coa).status_code == 302
    )
    kinds = {c.kind: c for c in Certificate.objects.all()}
    assert kinds["cpp"].exporting_country == "CH" and kinds["cpp"].licensed is True
    assert kinds["coa"].batch_number == "B-77" and kinds["coa"].conforms is True


def test_evidence_downloads_as_an_attachment_the_browser_must_not_sniff(signed_in, member):
    certificate = CertificateFactory(organisation=member.organisation)
    response = signed_in.get(reverse("applicant:evidence_file", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_organisations_file_is_not_found(signed_in):
    foreign = CertificateFactory()
    response = signed_in.get(reverse("applicant:evidence_file", args=[foreign.pk]))
    assert response.status_code == 404


def test_the_evidence_list_shows_only_the_organisations_files(signed_in, member):
    own = CertificateFactory(organisation=member.organisation)
    foreign = CertificateFactory()
    page = signed_in.get(reverse("applicant:evidence")).content.decode()
    assert own.number in page and foreign.number not in page


@pytest.mark.parametrize("rows", [5, 50])
def test_the_evidence_list_query_count_does_not_grow_with_rows(
    signed_in, member, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        CertificateFactory(organisation=member.organisation)
    with django_assert_max_num_queries(6):
        assert signed_in.get(reverse("applicant:evidence")).status_code == 200


def test_the_precheck_starts_from_the_nra_of_the_latest_request(signed_in, member):
    case = draft(member)
    form = signed_in.get(reverse("applicant:evidence_upload", args=["cpp"])).context["form"]
    assert form["nra"].value() == case.authority_id
