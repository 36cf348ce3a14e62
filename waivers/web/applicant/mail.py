"""The invitation e-mail the applicant pages send themselves (the rest come from notifications)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ...models import User
from .access import ApplicantRequest


def send_invitation(request: ApplicantRequest, colleague: User) -> None:
    """A one-time link with which the colleague sets their own password."""
    uid = urlsafe_base64_encode(force_bytes(colleague.pk))
    token = default_token_generator.make_token(colleague)
    link = request.build_absolute_uri(reverse("applicant:accept_invitation", args=[uid, token]))
    inviter = request.user
    send_mail(
        subject=f"{inviter.printed_name} invites you to the Reliance Waiver Portal",
        message=(
            f"{inviter.printed_name} invited you to work for {inviter.organisation} on the "
            f"Reliance Waiver Portal.\n\nSet your password here (the link works once): {link}\n"
            f"Your username is {colleague.username}.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[colleague.email],
    )
