"""Issue 18, finding 4: reviewers see a file inline on the case page only if it passes the PDF
policy; one stored before it is offered as a download only, with the reason."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from waivers.workflow import fire

from .test_hostile_pdfs import hostile


@pytest.fixture
def reviewing(client, case, applicant, reviewer):
    """A reviewer signed in on a submitted case, and its GMP certificate (a test may replace
    the file)."""
    fire(case, "submit", actor=applicant)
    client.force_login(reviewer)
    return client, case, case.certificates.get(kind="gmp")


def inline_view(client, case, certificate):
    return client.get(
        reverse("nra:certificate_view", args=[case.reference, certificate.pk]),
    )


def test_a_stored_file_that_passes_the_policy_is_shown_inline(reviewing):
    client, case, certificate = reviewing
    response = inline_view(client, case, certificate)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")


def test_a_stored_file_from_before_the_policy_is_not_shown_inline(reviewing):
    client, case, certificate = reviewing
    certificate.file.save("legacy.pdf", ContentFile(hostile("javascript-on-open")))
    response = inline_view(client, case, certificate)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "not shown here" in page and "JavaScript" in page
    assert reverse("nra:certificate_download", args=[case.reference, certificate.pk]) in page
    download = client.get(
        reverse("nra:certificate_download", args=[case.reference, certificate.pk])
    )
    assert download["Content-Disposition"].startswith("attachment")
