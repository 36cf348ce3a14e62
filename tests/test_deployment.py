"""Configuration from the environment: production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    inherited = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")  # set by the browser tests
    environ = {k: v for k, v in os.environ.items() if k not in inherited} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 64 + "-production-secret-for-the-check",
    "ALLOWED_HOSTS": "portal.example",
    "SITE_URL": "https://portal.example",
    "AUDIT_KEY": "a" * 64,
}


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("unset", "warning"),
    [
        ({"SITE_URL": "http://127.0.0.1:8000"}, "waivers.W001"),
        ({"SITE_URL": "http://localhost"}, "waivers.W001"),
    ],
)
def test_check_deploy_warns_of_a_loopback_site_url(unset, warning):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **(PRODUCTION | unset))
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


def test_production_static_files_collect_with_hashed_names(tmp_path):
    """The Dockerfile's collectstatic: every file a stylesheet or script refers to must exist."""
    result = manage(
        "collectstatic",
        "--noinput",
        DEBUG="false",
        SECRET_KEY="x" * 64 + "-production-secret-for-the-check",
        AUDIT_KEY="a" * 64,
        STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/bootstrap/bootstrap.min.css" in manifest


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_an_audit_key():
    result = manage("check", DEBUG="false", SECRET_KEY="x" * 64 + "-production-secret")
    assert result.returncode != 0
    assert "AUDIT_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_health_endpoint_answers(client):
    assert client.get("/healthz").json()["status"] == "ok"


def example_env() -> dict[str, str]:
    """docker/.env.example as a shell reads it (fails if a shell cannot)."""
    result = subprocess.run(
        ["bash", "-c", "set -eu -a; . docker/.env.example; set +a; env -0"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in result.stdout.split("\0") if line)


def test_env_example_is_read_by_a_shell():
    env = example_env()
    assert env["DEFAULT_FROM_EMAIL"] == "Reliance Waiver Portal <noreply@portal.example.org>"
    assert env["DEBUG"] == "false"
    assert env["ALLOWED_HOSTS"] == "portal.example.org"


@pytest.mark.django_db
def test_compose_health_check_passes_with_the_example_allowed_hosts(client, settings):
    settings.ALLOWED_HOSTS = example_env()["ALLOWED_HOSTS"].split(",")
    settings.SECURE_SSL_REDIRECT = True  # as in production, where the probe speaks plain HTTP
    compose = yaml.safe_load((ROOT / "docker/compose.yml").read_text())
    probe = urlsplit(compose["services"]["web"]["healthcheck"]["test"][-1])
    answer = client.get(probe.path, HTTP_HOST=probe.netloc)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    # Every other path still refuses a host that is not allowed.
    assert client.get("/accounts/login/", HTTP_HOST=probe.netloc).status_code == 400


def test_make_run_serves_on_the_host_and_port_given_after_checking_system_packages():
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8123", "HOST=0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    commands = result.stdout.splitlines()
    assert any(c.endswith("manage.py runserver 0.0.0.0:8123") for c in commands)
    steps = [c for c in commands if "system-deps.sh" in c or "manage.py migrate" in c]
    assert steps[0] == "bash scripts/system-deps.sh run"


def test_system_deps_says_which_packages_are_missing_and_how_to_install_them(tmp_path):
    # Stand-ins for a non-root user on a Debian machine with nothing installed and no sudo rights.
    for name, body in {"dpkg-query": "exit 1", "id": "echo 1000", "sudo": "exit 1"}.items():
        stub = tmp_path / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)
    result = subprocess.run(
        ["bash", "scripts/system-deps.sh", "run"],
        cwd=ROOT,
        env=os.environ | {"PATH": f"{tmp_path}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Missing system packages: libpango-1.0-0" in result.stderr
    assert "libharfbuzz-subset0" in result.stderr
    assert "chromium" not in result.stderr  # only the browser tests need it
    assert "sudo apt-get install -y libpango-1.0-0" in result.stderr
