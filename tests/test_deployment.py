"""Configuration from the environment: production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_production_settings_pass_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 64 + "-production-secret-for-the-check",
        ALLOWED_HOSTS="portal.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_static_files_collect_with_hashed_names(tmp_path):
    """The Dockerfile's collectstatic: every file a stylesheet or script refers to must exist."""
    result = manage(
        "collectstatic",
        "--noinput",
        DEBUG="false",
        SECRET_KEY="x" * 64 + "-production-secret-for-the-check",
        STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/bootstrap/bootstrap.min.css" in manifest


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_health_endpoint_answers(client):
    assert client.get("/healthz").json() == {"status": "ok"}


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
