"""Organisation admins invite colleagues; a colleague sets their own password through a one-time link."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction

from ..errors import InvalidInput, NotPermitted
from ..models import Role, User
from . import roles


def invite_colleague(*, inviter: User, email: str, first_name: str, last_name: str) -> User | None:
    """An inactive member of the inviter's organisation who cannot sign in until they set a password.

    The one-time link is made with Django's token generator, which hashes the password: once the
    colleague sets theirs, the link stops working. An address that already has an account (in any
    organisation or NRA) is invited to nothing and answered None, which callers must not tell
    apart to the inviter: the form would otherwise reveal who has an account.
    """
    if inviter.role != Role.APPLICANT or not inviter.is_organisation_admin:
        raise NotPermitted("Only an organisation admin invites colleagues.")
    email = email.strip().lower()
    if (
        User.objects.filter(email__iexact=email).exists()
        or User.objects.filter(username__iexact=email).exists()
    ):
        return None
    with transaction.atomic():
        colleague = User(
            username=email,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            role=Role.APPLICANT,
            organisation_id=inviter.organisation_id,
            is_active=False,
        )
        colleague.set_unusable_password()
        colleague.save()
        roles.record_roles_change(
            user=colleague,
            before={},
            actor=inviter,
            reason=f"invited to the organisation by {inviter.printed_name}",
        )
    return colleague


def invitation_is_valid(*, user: User, token: str) -> bool:
    return not user.is_active and default_token_generator.check_token(user, token)


def accept_invitation(*, user: User, token: str, password: str) -> User:
    """Set the invited colleague's password and let them in; the link is spent afterwards."""
    if not invitation_is_valid(user=user, token=token):
        raise InvalidInput({"token": ["This invitation link is invalid or was already used."]})
    with transaction.atomic():
        before = roles.snapshot(user)
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        roles.record_roles_change(
            user=user, before=before, actor=user, reason="accepted the invitation"
        )
    return user
