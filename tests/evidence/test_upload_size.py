"""Issue 18, finding 6: an upload over the size limit is refused from its declared length, before
its body is read, on the web as on the API."""

from waivers.models import Certificate, CertificateKind

from ..world import client_for
from .conftest import complete
from .test_hostile_pdfs import API_URL, GMP_URL, upload

DECLARED = str(400 * 1024 * 1024)


def test_an_oversized_web_upload_is_refused_before_its_body_is_read(signed_in, site, mature):
    """The declared length alone answers: the test client's body is shorter than declared, so
    any attempt to read it would fail the request."""
    data = {**complete(CertificateKind.GMP, site, None, mature), "file": upload(b"%PDF-1.7")}
    response = signed_in.post(GMP_URL, data, CONTENT_LENGTH=DECLARED)
    assert response.status_code == 413
    assert "larger than the 25 MB limit" in response.content.decode()
    assert response["Content-Security-Policy"]
    assert not Certificate.objects.exists()


def test_an_oversized_api_upload_is_a_json_413(member):
    response = client_for(member).post(
        API_URL, {"kind": "gmp"}, format="multipart", CONTENT_LENGTH=DECLARED
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_body_within_the_limit_reaches_the_form(signed_in, site, mature):
    data = {**complete(CertificateKind.GMP, site, None, mature), "file": upload(b"%PDF-1.7")}
    response = signed_in.post(GMP_URL, data)
    assert response.status_code == 400
    assert "truncated" in " ".join(response.context["form"].errors["file"])
