"""Changes to the register, a reliance policy and a user's roles are in the audit trail.

Each entry says who, when, what changed (old → new) and why, in the master data's own chain,
whether the change came through the admin, the API or load_authorities; the admin asks why.
"""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.forms import MultiWidget

from waivers.audit import verify_all
from waivers.models import AuditEntry, Chain, Role

from .factories import NraFactory, PolicyFactory, RecognitionFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(client):
    user = UserFactory(role=Role.REGISTRAR, organisation=None, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="waivers",
            content_type__model__in=["authority", "recognition", "reliancepolicy", "user"],
        )
    )
    client.force_login(user)
    return user


def posted(client, url, **changes):
    """What the admin's change form at ``url`` posts back, with ``changes`` made to it."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = "" if part is None else str(part)
        elif value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    for prefix in ("recognitions",):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return {**data, **changes}


def last_entry(chain):
    return AuditEntry.objects.filter(chain=chain).latest("seq")


def test_ending_a_wla_recognition_in_the_admin_records_who_what_and_why(client, registrar):
    recognition = RecognitionFactory(scheme="WLA", valid_to=None)
    url = f"/admin/waivers/recognition/{recognition.pk}/change/"
    response = client.post(
        url, posted(client, url, valid_to="2026-06-30", reason="WHO ended the WLA listing")
    )
    assert response.status_code == 302
    entry = last_entry(Chain.REGISTER)
    assert (entry.actor, entry.reason) == (registrar, "WHO ended the WLA listing")
    assert entry.changes == {
        "subject": f"WLA recognition of {recognition.authority.code}",
        "fields": {"valid_to": {"old": None, "new": "2026-06-30"}},
    }


def test_the_admin_refuses_a_register_change_without_a_reason(client, registrar):
    recognition = RecognitionFactory(scheme="WLA", valid_to=None)
    url = f"/admin/waivers/recognition/{recognition.pk}/change/"
    response = client.post(url, posted(client, url, valid_to="2026-06-30", reason=""))
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    recognition.refresh_from_db()
    assert recognition.valid_to is None
    assert not AuditEntry.objects.filter(chain=Chain.REGISTER).exists()


def test_a_policy_change_in_the_admin_is_recorded_with_old_and_new_values(client, registrar):
    policy = PolicyFactory(max_cpp_age_days=730)
    url = f"/admin/waivers/reliancepolicy/{policy.pk}/change/"
    response = client.post(
        url, posted(client, url, max_cpp_age_days="365", reason="Board decision 2026/12")
    )
    assert response.status_code == 302
    entry = last_entry(Chain.POLICY)
    assert entry.changes["subject"] == f"reliance policy of {policy.authority.code}"
    assert entry.changes["fields"] == {"max_cpp_age_days": {"old": 730, "new": 365}}
    assert entry.reason == "Board decision 2026/12"


def test_a_role_change_in_the_admin_is_recorded(client, registrar):
    reviewer = ReviewerFactory()
    other_nra = NraFactory()
    url = f"/admin/waivers/user/{reviewer.pk}/change/"
    response = client.post(
        url,
        posted(client, url, role=Role.APPROVER, nra=str(other_nra.pk), reason="promoted"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = last_entry(Chain.ROLES)
    assert entry.changes["subject"] == f"user {reviewer.username}"
    assert entry.changes["fields"] == {
        "nra": {"old": reviewer.nra_id, "new": other_nra.pk},
        "role": {"old": "reviewer", "new": "approver"},
    }
    assert (entry.actor, entry.reason) == (registrar, "promoted")


def test_an_api_register_change_is_recorded_and_needs_a_reason(registrar):
    from rest_framework.test import APIClient

    authority = NraFactory()
    api = APIClient()
    api.force_authenticate(registrar)
    refused = api.patch(f"/api/v1/authorities/{authority.pk}/", {"name": "Renamed"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    response = api.patch(
        f"/api/v1/authorities/{authority.pk}/",
        {"name": "Renamed", "reason": "renamed by law"},
        format="json",
    )
    assert response.status_code == 200
    entry = last_entry(Chain.REGISTER)
    assert entry.changes["fields"] == {"name": {"old": authority.name, "new": "Renamed"}}
    assert (entry.actor, entry.reason) == (registrar, "renamed by law")


def test_loading_the_register_records_each_changed_authority_with_the_reason(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        "code,name,country,scheme,scope,valid_from,valid_to,source,note\n"
        "ZZ-A,Zed Agency,ZZ,WLA,,2020-01-01,,who.int,\n"
    )
    call_command(
        "load_authorities", str(path), "--reason", "WLA list of 2026-12", stdout=io.StringIO()
    )
    entry = last_entry(Chain.REGISTER)
    assert (entry.action, entry.actor_name, entry.reason) == (
        "create",
        "system",
        "WLA list of 2026-12",
    )
    assert entry.changes["fields"]["code"] == {"old": None, "new": "ZZ-A"}


def test_master_data_chains_verify_and_a_forged_entry_is_found(client, registrar):
    recognition = RecognitionFactory(scheme="WLA", valid_to=None)
    url = f"/admin/waivers/recognition/{recognition.pk}/change/"
    client.post(url, posted(client, url, valid_to="2026-06-30", reason="WHO ended it"))
    assert verify_all().breaks == []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER waivers_audit_append_only")
        cursor.execute("UPDATE waivers_auditentry SET reason = 'routine' WHERE chain = 'register'")
    assert [str(b) for b in verify_all().breaks] == [
        "authority register chain entry 1: content does not match its MAC (altered)"
    ]
    with pytest.raises(CommandError):
        call_command("verify_audit_trail", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_admin_lists_master_data_entries_with_their_reasons(client, registrar):
    recognition = RecognitionFactory(scheme="WLA", valid_to=None)
    url = f"/admin/waivers/recognition/{recognition.pk}/change/"
    client.post(url, posted(client, url, valid_to="2026-06-30", reason="WHO ended the listing"))
    registrar.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    page = client.get("/admin/waivers/auditentry/?chain=register").content.decode()
    assert "WHO ended the listing" in page


def test_renaming_an_authority_in_the_admin_is_recorded(client, registrar):
    recognition = RecognitionFactory(scheme="SRA")
    authority = recognition.authority
    url = f"/admin/waivers/authority/{authority.pk}/change/"
    response = client.post(url, posted(client, url, name="Renamed Agency", reason="renamed by law"))
    assert response.status_code == 302
    entry = last_entry(Chain.REGISTER)
    assert entry.changes == {
        "subject": f"authority {authority.code}",
        "fields": {"name": {"old": authority.name, "new": "Renamed Agency"}},
    }
