"""Pages built by others' templates work under the portal's Content-Security-Policy too (the
fixture fails a test on anything the policy blocked)."""

import pytest

from ..factories import UserFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_their_operations(page):
    sign_in(page, UserFactory(is_staff=True, is_superuser=True).username)
    page.goto("/api/v1/docs/")
    page.get_by_text("/api/v1/auth/token/").first.wait_for()


def test_the_admin_lists_api_tokens(page):
    sign_in(page, UserFactory(is_staff=True, is_superuser=True).username)
    page.goto("/admin/waivers/apitoken/")
    assert page.get_by_role("heading", name="Select API token to view").is_visible()
