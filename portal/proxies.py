"""The client's address as the trusted proxies in front of the portal report it (NUM_PROXIES)."""

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str:
    """DRF's reading of REST_FRAMEWORK["NUM_PROXIES"], so the sign-in lockout (django-axes) keys
    on the same address as the API throttles: a client cannot pick its own by sending
    X-Forwarded-For, since only the entries the trusted proxies appended are believed."""
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]
