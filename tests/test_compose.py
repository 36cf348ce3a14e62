"""docker/compose.yml starts what the code has: each service's command, health check, settings
and volumes name things that exist, so the stack is not found broken on the first `up`."""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

from .test_configuration_documented import read_elsewhere, settings_read_from_the_environment

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker/compose.yml").read_text())
DOCKERFILE = (ROOT / "docker/Dockerfile").read_text()
PORTAL_SERVICES = [name for name, s in COMPOSE["services"].items() if "build" in s]


def steps(service: str) -> list[list[str]]:
    """The service's command as the programs it runs, one argument list each."""
    command = COMPOSE["services"][service]["command"]
    words = shlex.split(command)
    if words[:2] == ["sh", "-c"]:
        return [shlex.split(part.strip()) for part in words[2].split("&&")]
    return [words]


def test_the_portal_runs_as_web_worker_and_beat():
    assert set(PORTAL_SERVICES) == {"web", "worker", "beat"}


@pytest.mark.parametrize("service", PORTAL_SERVICES)
def test_every_program_a_service_runs_exists_in_the_image(service):
    commands = get_commands()
    for step in steps(service):
        program = step[1] if step[0] == "exec" else step[0]
        args = step[2:] if step[0] == "exec" else step[1:]
        if program == "python":
            assert args[0] == "manage.py" and "COPY manage.py" in DOCKERFILE
            assert args[1] in commands, f"{service}: no management command {args[1]!r}"
        elif program == "gunicorn":
            module, _, attribute = args[0].partition(":")
            assert callable(getattr(importlib.import_module(module), attribute))
        elif program == "celery":
            assert args[:2] == ["-A", "portal"] and args[2] in ("worker", "beat")
            from portal.celery import app

            assert app.main == "portal"
        else:
            pytest.fail(f"{service} runs {program!r}, which the image does not provide")


def test_the_migrations_run_on_the_owner_database_the_compose_file_configures():
    (migrate, *_rest) = steps("web")
    database = migrate[migrate.index("--database") + 1]
    assert database == "owner"
    assert "MIGRATION_DATABASE_URL" in COMPOSE["x-portal"]["environment"]
    settings_source = (ROOT / "portal/settings.py").read_text()
    assert re.search(r'DATABASES\["owner"\]', settings_source)


def test_every_variable_the_stack_sets_is_one_the_portal_reads():
    read = settings_read_from_the_environment() | read_elsewhere()
    example = (ROOT / "docker/.env.example").read_text()
    names = set(COMPOSE["x-portal"]["environment"]) | set(re.findall(r"^(\w+)=", example, re.M))
    assert names - read == set()


def mounts() -> dict[str, str]:
    found = dict(mount.split(":", 1) for mount in COMPOSE["x-portal"]["volumes"])
    assert set(found) <= set(COMPOSE["volumes"])
    return found


def test_the_media_volume_is_where_the_image_keeps_uploads():
    assert f"ENV MEDIA_ROOT={mounts()['media']}" in DOCKERFILE


def test_every_process_counts_its_metrics_into_one_shared_volume_the_image_lets_it_write():
    path = mounts()["metrics"]
    assert COMPOSE["x-portal"]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == path
    assert re.search(rf"chown portal .*{path}", DOCKERFILE)


def test_the_web_port_the_compose_file_publishes_is_the_one_gunicorn_binds():
    *_, gunicorn = steps("web")
    bind = gunicorn[gunicorn.index("--bind") + 1]
    (published,) = COMPOSE["services"]["web"]["ports"]
    assert published.split(":")[-1] == bind.rsplit(":", 1)[-1]
    assert bind.rsplit(":", 1)[-1] in COMPOSE["services"]["web"]["healthcheck"]["test"][-1]
