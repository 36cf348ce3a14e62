"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from ..factories import PASSWORD, authenticator_code

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make for
# set-up and assertions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server):
    """Open a page in a fresh browser context (its own cookies): call once per person.

    Whatever the Content-Security-Policy blocked on any page fails the test at its end."""
    contexts = []
    blocked: list[str] = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()

        def note_blocked(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                blocked.append(f"{page.url}: {message.text}")

        page.on("console", note_blocked)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert blocked == []


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form, completing two-factor sign-in as its user would: a code from
    their authenticator, or (NRA staff without one yet) setting one up."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/set-up/" in page.url:
        page.get_by_label("Code").fill(
            authenticator_code(TOTPDevice.objects.get(user__username=username))
        )
        page.get_by_role("button", name="Confirm").click()
        page.get_by_role("link", name="I have kept them: continue").click()
        page.wait_for_load_state()
    elif "/accounts/login/code/" in page.url:
        page.get_by_label("Code").fill(
            authenticator_code(TOTPDevice.objects.get(user__username=username))
        )
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()


def assert_accessible(page: Page) -> None:
    """No axe-core violations of WCAG 2 A/AA on the page as it stands."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}})
    assert results.violations_count == 0, results.generate_report()
