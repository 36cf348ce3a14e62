"""Decision letters: issued once per decision, versioned, verifiable, readable in any script."""

import hashlib
import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from waivers import letters
from waivers.models import DecisionLetter, State, WaiverRequest
from waivers.workflow import fire

from ..factories import PASSWORD, CertificateFactory

pytestmark = pytest.mark.django_db


def has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def text_of(pdf: bytes) -> tuple[str, int]:
    """The PDF's text and page count. pypdf pads runs set in a two-byte font with NULs."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace("\x00", ""), len(reader.pages)


def test_signing_a_decision_issues_one_letter_with_everything_it_rests_on(case, decide, approver):
    case = decide(case)
    letter = DecisionLetter.objects.get(waiver=case)
    pdf = letter.file.read()
    text, _ = text_of(pdf)
    assert letter.decision == State.APPROVED
    assert letter.sha256 == hashlib.sha256(pdf).hexdigest()
    for expected in (
        case.reference,
        "Approved",
        approver.printed_name,
        letter.verification_code,
        case.organisation.name,
        case.product.name,
        f"valid until {case.valid_until:%Y-%m-%d}",
        "Approval of waiver decision",
    ):
        assert expected in text.replace("\n", " ")


def test_issuing_again_returns_the_letter_already_issued(case, decide):
    case = decide(case)
    first = DecisionLetter.objects.get(waiver=case)
    again = letters.issue_decision_letter(case)
    assert again.pk == first.pk
    assert DecisionLetter.objects.filter(waiver=case).count() == 1


def test_a_revocation_is_a_new_version_and_the_first_letter_is_kept(
    case, decide, approver, django_capture_on_commit_callbacks
):
    case = decide(case)
    first = DecisionLetter.objects.get(waiver=case)
    first_bytes = first.file.read()
    with django_capture_on_commit_callbacks(execute=True):
        fire(case, "revoke", actor=approver, password=PASSWORD, reason="GMP certificate withdrawn.")
    versions = list(DecisionLetter.objects.filter(waiver=case).order_by("version"))
    assert [(v.version, v.decision) for v in versions] == [(1, "approved"), (2, "revoked")]
    first.refresh_from_db()
    assert first.file.read() == first_bytes
    assert letters.latest_letter(case) == versions[1]
    text, _ = text_of(versions[1].file.read())
    assert "Revoked" in text and "Revocation of waiver" in text


def test_a_case_without_a_decision_gets_no_letter(case):
    with pytest.raises(ValueError):
        letters.issue_decision_letter(case)
    assert letters.latest_letter(case) is None


def test_a_rejection_letter_states_the_rejection_and_no_validity(case, decide):
    case = decide(case, outcome="reject")
    text, _ = text_of(DecisionLetter.objects.get(waiver=case).file.read())
    assert "Rejected" in text
    assert "valid until" not in text


def test_a_partial_waiver_letter_prints_its_conditions(case, decide):
    case = decide(case, outcome="partial", conditions="Sterility test of the first three batches.")
    text, _ = text_of(DecisionLetter.objects.get(waiver=case).file.read())
    assert "Partially approved" in text
    assert "Sterility test of the first three batches." in " ".join(text.split())


def test_the_letter_names_the_scheme_that_made_each_issuer_mature(case, decide):
    case = decide(case)
    text, _ = text_of(DecisionLetter.objects.get(waiver=case).file.read())
    gmp = case.certificates.get(kind="gmp")
    assert gmp.issuing_authority.code in text
    assert "SRA on issue; SRA today" in " ".join(text.split())


def test_long_texts_and_non_latin_names_render_without_cut_off(case, decide):
    site = case.sites.get()
    site.name = "Zürich Łódź Αθήνα Москва cell-processing centre"
    site.address = "Übergasse 12, 90-001 Łódź; " + "Very-long-unbroken-address-segment" * 6
    site.save()
    organisation = case.organisation
    organisation.name = "Łódź Biologics Zürich"
    organisation.save()
    for n in range(30):
        case.certificates.add(
            CertificateFactory(
                organisation=case.organisation, site=site, number=f"GMP-ZÜRICH-{n:03d}"
            )
        )
    rationale = " ".join(
        f"Paragraph {n}: the inspection history supports reliance." for n in range(120)
    )
    case = decide(case, rationale=rationale + " END-OF-RATIONALE")
    pdf = DecisionLetter.objects.get(waiver=case).file.read()
    text, pages = text_of(pdf)
    flat = "".join(text.split())
    assert pages >= 3
    assert "ZürichŁódźΑθήναМосква" in flat
    assert "ŁódźBiologicsZürich" in flat
    assert "END-OF-RATIONALE" in flat
    assert "GMP-ZÜRICH-029" in flat
    assert ("Very-long-unbroken-address-segment" * 6).replace("-", "") in flat.replace("-", "")
    assert DecisionLetter.objects.get(waiver=case).verification_code in flat


@pytest.mark.skipif(not has_cjk_font(), reason="no CJK font installed (fonts-noto-cjk)")
def test_japanese_place_names_are_printed_in_real_glyphs(case, decide):
    # Without a CJK font WeasyPrint prints empty boxes (and re-encodes the font so that pypdf
    # cannot read the page back); with fonts-noto-cjk the names come out as written.
    site = case.sites.get()
    site.name = "東京 Zürich Łódź cell-processing centre"
    site.save()
    case = decide(case)
    text, _ = text_of(DecisionLetter.objects.get(waiver=case).file.read())
    flat = "".join(text.split())
    assert "東京ZürichŁódź" in flat


def test_the_public_page_confirms_a_genuine_letter_and_nothing_confidential(client, case, decide):
    case = decide(case, rationale="Internal reasoning of the assessor.")
    letter = DecisionLetter.objects.get(waiver=case)
    page = client.get(f"/verify/{letter.verification_code.lower()}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Genuine." in body
    assert case.reference in body and letter.sha256 in body and "Approved" in body
    assert case.product.name in body and case.organisation.name in body
    assert case.authority.name in body
    assert f"In force until {case.valid_until:%Y-%m-%d}" in body
    assert "Internal reasoning of the assessor." not in body


def spaced_lower(code: str) -> str:
    """A code as someone might type it off paper: lower case, spaces for dashes, padded."""
    return "  " + code.lower().replace("-", " ") + " "


def test_a_lower_case_code_with_spaces_is_genuine_on_the_page(client, case, decide):
    case = decide(case)
    letter = DecisionLetter.objects.get(waiver=case)
    page = client.get(f"/verify/{spaced_lower(letter.verification_code)}/")
    assert page.status_code == 200
    assert "Genuine." in page.content.decode()
    typed = client.get("/verify/", {"code": spaced_lower(letter.verification_code)})
    assert typed.url == f"/verify/{letter.verification_code}/"


def test_a_lower_case_code_with_spaces_is_genuine_in_the_api(client, case, decide):
    case = decide(case)
    letter = DecisionLetter.objects.get(waiver=case)
    response = client.get(f"/api/v1/letters/verify/{spaced_lower(letter.verification_code)}/")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["reference"] == case.reference
    assert body["status"] == "in_force" and body["valid_until"] == f"{case.valid_until}"
    assert body["product"] == case.product.name
    assert body["applicant"] == case.organisation.name
    assert body["nra"] == case.authority.name


@pytest.fixture
def revoked(case, decide, approver, django_capture_on_commit_callbacks):
    """A granted waiver, revoked: letter v1 (the approval) and v2 (the revocation)."""
    case = decide(case)
    with django_capture_on_commit_callbacks(execute=True):
        fire(case, "revoke", actor=approver, password=PASSWORD, reason="GMP certificate withdrawn.")
    return {v.version: v for v in DecisionLetter.objects.filter(waiver=case)}


def test_the_page_says_the_approval_letter_of_a_revoked_waiver_was_revoked(client, revoked):
    today = f"{timezone.localdate():%Y-%m-%d}"
    for letter in revoked.values():
        body = client.get(f"/verify/{letter.verification_code}/").content.decode()
        assert "Genuine." not in body
        assert "Genuine, but not in force." in body and f"Revoked on {today}" in body
    first = client.get(f"/verify/{revoked[1].verification_code}/").content.decode()
    assert "superseded by version 2" in first


def test_the_api_says_each_letter_of_a_revoked_waiver_was_revoked(client, revoked):
    first = client.get(f"/api/v1/letters/verify/{revoked[1].verification_code}/").json()
    assert first["decision"] == "Approved"
    assert first["status"] == "revoked" and first["revoked_at"]
    assert first["superseded_by_version"] == 2 and first["version"] == 1
    second = client.get(f"/api/v1/letters/verify/{revoked[2].verification_code}/").json()
    assert second["status"] == "revoked" and second["superseded_by_version"] is None


def test_a_superseded_letter_says_which_version_replaced_it(client, case, decide):
    case = decide(case)
    first = DecisionLetter.objects.get(waiver=case)
    later = DecisionLetter(waiver=case, version=2, decision="partially_approved", sha256="ef" * 32)
    later.file.save("v2.pdf", ContentFile(b"%PDF-1.4"), save=False)
    later.save()
    body = client.get(f"/verify/{first.verification_code}/").content.decode()
    assert "Superseded by version 2" in body and "Genuine, but not in force." in body
    api = client.get(f"/api/v1/letters/verify/{first.verification_code}/").json()
    assert api["status"] == "superseded" and api["superseded_by_version"] == 2


def test_the_letter_of_an_expired_waiver_says_when_it_expired(client, case, decide):
    case = decide(case)
    letter = DecisionLetter.objects.get(waiver=case)
    ended = timezone.localdate() - timedelta(days=3)
    WaiverRequest.objects.filter(pk=case.pk).update(valid_until=ended)
    body = client.get(f"/verify/{letter.verification_code}/").content.decode()
    assert f"Expired on {ended:%Y-%m-%d}" in body and "Genuine, but not in force." in body
    api = client.get(f"/api/v1/letters/verify/{letter.verification_code}/").json()
    assert api["status"] == "expired" and api["valid_until"] == f"{ended}"


def test_the_public_page_says_an_unknown_code_is_not_genuine(client, db):
    page = client.get("/verify/AAAA-BBBB-CCCC-DDDD/")
    assert page.status_code == 404
    assert "not genuine" in page.content.decode()


def test_a_typed_code_leads_to_its_verification_page(client, db):
    page = client.get("/verify/", {"code": " abcd-efgh-jkmn-pqrs "})
    assert page.status_code == 302
    assert page.url == "/verify/ABCD-EFGH-JKMN-PQRS/"
