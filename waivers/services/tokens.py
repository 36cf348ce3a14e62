"""API tokens: issued on sign-in through the API, expiring, revocable, stored only as digests.

A token reads ``<prefix>.<secret>``. The prefix (random, unique) finds its row without scanning;
the SHA-256 digest of the whole token, compared in constant time, proves the rest. The secret has
256 bits of entropy, so a fast hash is enough: there is nothing to guess, unlike a password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..errors import NotPermitted
from ..models import ApiToken, User

PREFIX_BYTES = 6


class TokenRefused(Exception):
    """The token presented is unknown, expired, revoked or its user deactivated."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, user: User) -> tuple[str, ApiToken]:
    """A new token for the user, valid for ``API_TOKEN_TTL_HOURS``; the plain token is returned
    once, here, and never stored. The user's expired tokens are cleared on the way."""
    ApiToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    prefix = secrets.token_hex(PREFIX_BYTES)
    token = f"{prefix}.{secrets.token_urlsafe(32)}"
    record = ApiToken.objects.create(
        user=user,
        prefix=prefix,
        digest=_digest(token),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return token, record


def user_for_token(token: str) -> User:
    """The active user a token belongs to, or TokenRefused saying why not."""
    prefix, _, _secret = token.partition(".")
    record = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if record is None or not hmac.compare_digest(record.digest, _digest(token)):
        raise TokenRefused("Invalid token.")
    if record.expires_at <= timezone.now():
        raise TokenRefused("Token has expired; request a new one.")
    if not record.user.is_active:
        raise TokenRefused("User inactive or deleted.")
    return record.user


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens still in force, newest first."""
    return list(ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()))


def revoke_token(*, user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens; another user's token is not theirs to revoke."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise NotPermitted("That token is not one of yours, or is already revoked.")
