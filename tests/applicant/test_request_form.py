"""The guided request form: every step saves the draft; it can be left, resumed and submitted."""

from django.core import mail
from django.urls import reverse

from waivers.models import State, WaiverRequest

from ..factories import (
    CertificateFactory,
    CoaFactory,
    CppFactory,
    WaiverRequestFactory,
)
from .conftest import draft


def step_url(case, step):
    return reverse("applicant:step", args=[case.reference, step])


def test_the_first_step_creates_a_draft_and_moves_on(signed_in, nra, product):
    response = signed_in.post(
        reverse("applicant:new"),
        {"authority": nra.pk, "scope": "import_testing", "product": product.pk},
    )
    case = WaiverRequest.objects.get()
    assert case.state == State.DRAFT and case.product == product
    assert response.url == step_url(case, "sites")


def test_another_organisations_product_cannot_be_chosen(signed_in, nra):
    foreign = WaiverRequestFactory().product
    response = signed_in.post(
        reverse("applicant:new"),
        {"authority": nra.pk, "scope": "import_testing", "product": foreign.pk},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["product"]
    assert WaiverRequest.objects.count() == 1


def test_each_step_saves_the_draft_and_it_can_be_left_and_resumed(signed_in, member, site):
    case = draft(member, evidence=False, justification="")
    signed_in.post(step_url(case, "sites"), {"sites": [site.pk], "version": case.version})
    case.refresh_from_db()
    response = signed_in.post(
        step_url(case, "justification"),
        {"justification": "Batches of one patient.", "version": case.version, "leave": ""},
    )
    assert response.url == reverse("applicant:home")
    case.refresh_from_db()
    assert list(case.sites.all()) == [site]
    assert case.justification == "Batches of one patient."
    resumed = signed_in.get(step_url(case, "justification"))
    assert "Batches of one patient." in resumed.content.decode()


def test_sampling_data_is_saved_and_its_impact_shown(signed_in, member):
    case = draft(member)
    data = {
        "batch_size": "10",
        "release_units": "1",
        "retention_units": "1",
        "stability_units": "0",
        "in_country_units": "2",
        "testing_countries": "2",
        "units_per_patient": "1",
        "shelf_life_days": "3",
        "shipping_days": "1",
        "testing_days": "14",
        "version": case.version,
    }
    assert signed_in.post(step_url(case, "sampling"), data).status_code == 302
    case.refresh_from_db()
    assert case.testing_countries == 2 and case.testing_days == 14
    page = signed_in.get(step_url(case, "sampling")).content.decode()
    assert "Patients lost to in-country testing" in page
    assert "in-country testing is not feasible" in page


def test_a_stale_page_is_refused_with_a_reload_message(signed_in, member):
    case = draft(member)
    stale = case.version
    signed_in.post(step_url(case, "justification"), {"justification": "First", "version": stale})
    response = signed_in.post(
        step_url(case, "justification"), {"justification": "Second", "version": stale}
    )
    assert "reload the page" in response.content.decode()
    case.refresh_from_db()
    assert case.justification == "First"


def test_submission_is_refused_with_the_list_of_what_is_missing(signed_in, member):
    case = draft(member, evidence=False, justification="")
    review = signed_in.get(step_url(case, "review")).content.decode()
    assert "Give a justification." in review
    response = signed_in.post(
        reverse("applicant:submit", args=[case.reference]), {"version": case.version}
    )
    page = response.content.decode()
    assert "Name at least one manufacturing site." in page
    assert "Missing evidence required by the NRA" in page
    case.refresh_from_db()
    assert case.state == State.DRAFT
    assert mail.outbox == []


def test_submission_is_accepted_with_its_reference_and_an_email(
    signed_in, member, django_capture_on_commit_callbacks
):
    case = draft(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reverse("applicant:submit", args=[case.reference]),
            {"version": case.version},
            follow=True,
        )
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert f"as {case.reference}" in response.content.decode()
    assert len(mail.outbox) == 1
    assert case.reference in mail.outbox[0].subject
    assert mail.outbox[0].to == [member.email]


def test_a_submitted_request_can_no_longer_be_edited(signed_in, member):
    case = draft(member)
    signed_in.post(reverse("applicant:submit", args=[case.reference]), {"version": case.version})
    response = signed_in.get(step_url(case, "justification"))
    assert response.url == reverse("applicant:status", args=[case.reference])


def test_the_evidence_step_offers_only_the_organisations_certificates(signed_in, member):
    case = draft(member, evidence=False)
    own = [
        CertificateFactory(organisation=member.organisation),
        CppFactory(organisation=member.organisation),
        CoaFactory(organisation=member.organisation),
    ]
    foreign = CertificateFactory()
    page = signed_in.get(step_url(case, "evidence")).content.decode()
    assert all(str(c) in page for c in own) and foreign.number not in page
    signed_in.post(
        step_url(case, "evidence"),
        {"certificates": [c.pk for c in own], "version": case.version},
    )
    assert case.certificates.count() == 3


def test_another_organisations_request_is_not_found(signed_in):
    foreign = WaiverRequestFactory()
    assert signed_in.get(step_url(foreign, "basics")).status_code == 404
    assert signed_in.get(reverse("applicant:status", args=[foreign.reference])).status_code == 404


def test_editing_a_draft_resumes_at_the_first_step_with_nothing_entered(signed_in, member):
    case = draft(member, justification="")
    page = signed_in.get(reverse("applicant:status", args=[case.reference])).content.decode()
    assert step_url(case, "justification") in page
