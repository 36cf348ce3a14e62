"""``Authorization: Token <token>``, checked against the hashed, expiring tokens of
waivers.services.tokens instead of DRF's plain-text table."""

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from ..services.tokens import TokenRefused, user_for_token


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's header parsing and 401 ``WWW-Authenticate: Token``; our own token store."""

    def authenticate_credentials(self, key: str) -> tuple[Any, None]:
        try:
            return user_for_token(key), None
        except TokenRefused as refused:
            raise AuthenticationFailed(str(refused)) from None
