"""The embedded default's demo deployment: the users API.md promises, signing in, seeing work."""

import io

import pytest
from django.core.management import CommandError, call_command

from waivers.models import Authority, State, User, WaiverRequest

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

PROMISED = [
    "applicant",
    "applicant-admin",
    "applicant2",
    "reviewer",
    "reviewer2",
    "approver",
    "other-reviewer",
    "registrar",
]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_promised_deployment_and_is_idempotent(demo):
    assert "reliance-demo-2026" in demo
    assert set(PROMISED) <= set(User.objects.values_list("username", flat=True))
    assert User.objects.get(username="reviewer").nra.code == "KZ-NCEMDMD"
    assert User.objects.get(username="other-reviewer").nra.code == "EG-EDA"
    assert Authority.objects.get(code="EG-EDA").policy.schemes == ["SRA", "WLA", "PICS"]
    states = set(WaiverRequest.objects.values_list("state", flat=True))
    assert {State.DRAFT, State.SUBMITTED, State.APPROVED, State.INFORMATION_REQUESTED} <= states
    count = WaiverRequest.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert WaiverRequest.objects.count() == count


def test_demo_users_sign_in_and_see_their_work(demo, client):
    assert (
        client.post(
            "/accounts/login/", {"username": "applicant", "password": "reliance-demo-2026"}
        ).status_code
        == 302
    )
    page = client.get("/", follow=True).content.decode()
    assert "WR-" in page
    client.logout()
    assert (
        client.post(
            "/accounts/login/", {"username": "applicant2", "password": "reliance-demo-2026"}
        ).status_code
        == 302
    )
    assert "Helixcel" not in client.get("/", follow=True).content.decode()


def test_demo_nra_staff_sign_in_with_the_printed_authenticator_secret(demo, client):
    assert "demo_code" in demo
    client.post("/accounts/login/", {"username": "reviewer", "password": "reliance-demo-2026"})
    out = io.StringIO()
    call_command("demo_code", stdout=out)
    response = client.post("/accounts/login/code/", {"code": out.getvalue().split()[0]})
    assert response.status_code == 302
    assert "WR-" in client.get("/", follow=True).content.decode()


def test_seed_demo_refuses_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_seed_demo_prints_every_demo_user_last_in_a_box_after_the_console_emails(settings, capfd):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo")
    out = capfd.readouterr().out.rstrip().splitlines()
    border = next(i for i, line in enumerate(out) if line.startswith("+---"))
    box = out[border:]
    assert "Subject:" in "\n".join(out[:border])  # the demo's e-mails came first
    assert box[0] == box[-1] and box[0].startswith("+--")  # the box closes the output
    assert "password for all: reliance-demo-2026" in box[1]
    assert "RELI ANCE WAIV ERPO RTAL DEMO SECR ETKZ" in "\n".join(box)
    blank = next(i for i, line in enumerate(box) if not line.strip("| "))
    listed = {line.strip("| ").split()[0] for line in box[blank + 1 : -1]}
    assert listed == {*PROMISED, "admin"}
    assert "Superuser" in next(line for line in box if line.startswith("| admin "))
