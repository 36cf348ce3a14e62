"""Deployment checks (``manage.py check --deploy``) for settings Django's own checks do not know."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(**kwargs: Any) -> list[checks.CheckMessage]:
    """Letters print SITE_URL and its QR code: a loopback address sends the reader nowhere."""
    host = urlsplit(settings.SITE_URL).hostname or ""
    if settings.DEBUG or not _is_loopback(host):
        return []
    return [
        checks.Warning(
            f"SITE_URL is {settings.SITE_URL}, a loopback address: letters would print a "
            "verification URL and QR code nobody else can open.",
            hint="Set SITE_URL to the portal's public base URL, e.g. https://portal.example.org.",
            id="waivers.W001",
        )
    ]
