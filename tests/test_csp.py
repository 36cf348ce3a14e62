"""Every HTML page carries a Content-Security-Policy that runs only the portal's own scripts."""

import re
from pathlib import Path

import pytest

from .factories import ReviewerFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def script_sources(policy: str) -> str:
    return next(part for part in policy.split("; ") if part.startswith("script-src"))


@pytest.mark.parametrize("page", ["/accounts/login/", "/nra/queue/", "/admin/", "/api/v1/docs/"])
def test_an_html_page_forbids_inline_and_foreign_scripts(client, page):
    client.force_login(ReviewerFactory(is_staff=True, is_superuser=True))
    response = client.get(page)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert script_sources(response["Content-Security-Policy"]) == "script-src 'self'"
    assert "object-src 'none'" in response["Content-Security-Policy"]


def test_no_template_carries_inline_script_or_event_handlers():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in re.finditer(r"<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+=", path.read_text())
    ]
    assert offenders == []
