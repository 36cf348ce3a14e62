"""The admin: authority admins keep the register; cases and their audit trails are read-only and scoped."""

import pytest
from django.utils.formats import date_format

from waivers.models import Recognition, SweepRun
from waivers.services.expiry import sweep
from waivers.workflow import fire

from .factories import TODAY, ApplicantFactory, RecognitionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(db):
    from django.contrib.auth.models import Permission

    user = UserFactory(role="registrar", organisation=None, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="waivers",
            content_type__model__in=["authority", "recognition", "reliancepolicy"],
        )
    )
    return user


def test_registrar_edits_a_recognition_and_the_admin_keeps_its_history(client, registrar):
    recognition = RecognitionFactory(scheme="WLA")
    client.force_login(registrar)
    url = f"/admin/waivers/recognition/{recognition.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(
        url,
        {
            "authority": recognition.authority.pk,
            "scheme": "WLA",
            "scope": "",
            "valid_from": "2024-01-01",
            "valid_to": "2026-06-30",
            "source": "WHO",
            "note": "listing ended",
            "reason": "WHO ended the WLA listing",
        },
    )
    assert response.status_code == 302, response.content
    recognition.refresh_from_db()
    assert str(recognition.valid_to) == "2026-06-30"
    history = client.get(f"{url.removesuffix('change/')}history/").content.decode()
    assert "Changed" in history


def test_registrar_cannot_see_cases(client, registrar, case, applicant):
    fire(case, "submit", actor=applicant)
    client.force_login(registrar)
    assert client.get("/admin/waivers/waiverrequest/").status_code == 403


def test_operator_sees_a_case_with_its_audit_trail_and_cannot_change_it(client, case, applicant):
    fire(case, "submit", actor=applicant)
    operator = UserFactory(is_staff=True, is_superuser=True, organisation=None, role="registrar")
    client.force_login(operator)
    page = client.get(f"/admin/waivers/waiverrequest/{case.pk}/change/").content.decode()
    assert case.reference in page and "submit" in page
    assert (
        client.post(
            f"/admin/waivers/auditentry/{case.audit_entries.first().pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert case.audit_entries.count() == 1


def test_an_organisation_with_submitted_requests_cannot_be_renamed_in_the_admin(
    client, case, applicant
):
    operator = UserFactory(is_staff=True, is_superuser=True, organisation=None, role="registrar")
    client.force_login(operator)
    url = f"/admin/waivers/organisation/{case.organisation_id}/change/"
    assert 'name="name"' in client.get(url).content.decode()  # a draft rests on nothing yet
    fire(case, "submit", actor=applicant)
    page = client.get(url).content.decode()
    assert 'name="name"' not in page and case.organisation.name in page
    client.post(url, {"name": "Renamed Pharma"})
    case.organisation.refresh_from_db()
    assert case.organisation.name != "Renamed Pharma"


def test_staff_applicant_cannot_edit_the_register(client):
    staff = ApplicantFactory(is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/waivers/recognition/").status_code == 403
    assert Recognition.objects.count() == 0


def test_an_inspector_sees_when_the_expiry_sweep_last_ran_and_cannot_change_it(client):
    sweep(today=TODAY)
    operator = UserFactory(is_staff=True, is_superuser=True, organisation=None, role="registrar")
    client.force_login(operator)
    listed = client.get("/admin/waivers/sweeprun/")
    assert listed.status_code == 200 and date_format(TODAY) in listed.content.decode()
    (run,) = SweepRun.objects.all()
    assert (
        client.post(f"/admin/waivers/sweeprun/{run.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.get("/admin/waivers/sweeprun/add/").status_code == 403
