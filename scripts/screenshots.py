"""Take the README walkthrough's screenshots from a freshly seeded embedded-default server.

    .venv/bin/python scripts/screenshots.py      # writes docs/screenshots/*.png

Starts `runserver` on a throw-away SQLite database with the demo data, signs in as each demo user
in Debian's Chromium and captures the main pages.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = 8766
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "reliance-demo-2026"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def sign_in(page: Page, username: str) -> None:
    """Sign in as the demo user, typing the demo authenticator's code where one is asked for."""
    from django.core.management import call_command

    page.context.clear_cookies()
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/login/code/" in page.url:
        out = io.StringIO()
        call_command("demo_code", stdout=out)
        page.get_by_label("Code").fill(out.getvalue().split()[0])
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()


def shoot(page: Page, path: str, name: str) -> None:
    page.goto(f"{BASE}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"{name}.png", full_page=True)
    print(f"  {name}.png  {path}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    for name in ("REDIS_URL", "DEBUG", "SECRET_KEY"):
        os.environ.pop(name, None)
    os.environ |= {
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
    }
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from waivers.models import DecisionLetter, State, WaiverRequest

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    refs = {
        s: WaiverRequest.objects.filter(state=s).values_list("reference", flat=True).first()
        for s in State.values
    }
    code = DecisionLetter.objects.values_list("verification_code", flat=True).first()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"{BASE}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            shoot(page, "/accounts/login/", "01-sign-in")
            sign_in(page, "applicant")
            shoot(page, "/applicant/", "02-applicant-home")
            shoot(page, "/applicant/evidence/new/gmp/", "03-upload-gmp-certificate")
            shoot(
                page,
                f"/applicant/requests/{refs['draft']}/edit/sampling/",
                "04-request-sampling-impact",
            )
            shoot(
                page, f"/applicant/requests/{refs['information_requested']}/", "05-applicant-status"
            )
            sign_in(page, "reviewer")
            shoot(page, "/nra/queue/", "10-nra-queue")
            shoot(page, f"/nra/cases/{refs['under_review']}/", "11-nra-case")
            sign_in(page, "approver")
            shoot(page, f"/nra/cases/{refs['recommended']}/", "12-approver-case")
            page.get_by_role("button", name="Sign the decision…").click()
            page.wait_for_timeout(500)
            page.screenshot(path=OUT / "13-signing-dialog.png")
            print("  13-signing-dialog.png")
            shoot(page, "/batches/", "14-batches")
            page.context.clear_cookies()
            shoot(page, f"/verify/{code}/", "20-verify-letter")
            shoot(page, "/api/v1/docs/", "21-api-docs")
            browser.close()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
