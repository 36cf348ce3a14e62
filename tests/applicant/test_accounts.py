"""Password reset by e-mail, and colleagues invited by an organisation admin."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from waivers.models import AuditEntry, Chain, User

from ..factories import ApplicantFactory, ReviewerFactory


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_a_forgotten_password_is_reset_through_an_emailed_link(client, db):
    user = ApplicantFactory(email="amira@example.test")
    client.post(reverse("password_reset"), {"email": "amira@example.test"})
    assert len(mail.outbox) == 1
    page = client.get(link_in(mail.outbox[0]), follow=True)
    form_url = page.redirect_chain[-1][0]
    client.post(
        form_url,
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase")


def test_the_login_page_offers_a_password_reset(client, db):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_an_organisation_admin_invites_a_colleague_who_sets_their_own_password(
    client, signed_in, member
):
    response = signed_in.post(
        reverse("applicant:colleagues"),
        {"email": "New.Person@example.test", "first_name": "New", "last_name": "Person"},
    )
    assert response.status_code == 302
    colleague = User.objects.get(email="new.person@example.test")
    assert colleague.organisation == member.organisation and colleague.role == "applicant"
    assert not colleague.is_active and not colleague.has_usable_password()
    link = link_in(mail.outbox[0])
    signed_in.logout()
    client.post(
        link, {"new_password1": "colleague-passphrase-1", "new_password2": "colleague-passphrase-1"}
    )
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.check_password("colleague-passphrase-1")
    assert (
        client.post(
            "/accounts/login/",
            {"username": "new.person@example.test", "password": "colleague-passphrase-1"},
        ).status_code
        == 302
    )
    client.logout()
    assert client.get(link).status_code == 404
    invited, accepted = AuditEntry.objects.filter(chain=Chain.ROLES).order_by("seq")
    assert invited.actor == member and invited.changes["fields"]["role"]["new"] == "applicant"
    assert (accepted.actor, accepted.reason) == (colleague, "accepted the invitation")
    assert accepted.changes["fields"] == {"is_active": {"old": False, "new": True}}


def test_a_colleague_who_is_not_an_admin_cannot_invite(client, member):
    plain = ApplicantFactory(organisation=member.organisation)
    client.force_login(plain)
    response = client.post(
        reverse("applicant:colleagues"),
        {"email": "x@example.test", "first_name": "X", "last_name": "Y"},
    )
    assert response.status_code == 400
    assert "Only an organisation admin" in response.content.decode()
    assert not User.objects.filter(email="x@example.test").exists()
    assert mail.outbox == []


def test_a_forged_invitation_link_does_not_work(client, db):
    invited = ApplicantFactory(is_active=False)
    response = client.get(reverse("applicant:accept_invitation", args=["MQ", "bad-token"]))
    assert response.status_code == 404
    invited.refresh_from_db()
    assert not invited.is_active


@pytest.mark.parametrize("rows", [5, 50])
def test_the_colleagues_list_keeps_a_constant_query_count(
    signed_in, member, rows, django_assert_max_num_queries
):
    ApplicantFactory.create_batch(rows, organisation=member.organisation)
    with django_assert_max_num_queries(5):
        page = signed_in.get(reverse("applicant:colleagues")).content.decode()
    assert page.count("@example.test") >= rows


def test_inviting_an_address_that_has_an_account_answers_as_for_a_new_one(signed_in):
    staff = ReviewerFactory(email="reviewer@nra.example.test")
    answers = [
        signed_in.post(
            reverse("applicant:colleagues"),
            {"email": email, "first_name": "Some", "last_name": "One"},
            follow=True,
        )
        for email in ("someone.new@example.test", staff.email)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    pages = [a.content.decode() for a in answers]
    assert "Invitation sent to someone.new@example.test." in pages[0]
    assert f"Invitation sent to {staff.email}." in pages[1]
    assert "already has an account" not in pages[1]
    assert len(mail.outbox) == 1  # the existing account is neither invited nor changed
    staff.refresh_from_db()
    assert staff.role == "reviewer" and staff.is_active
