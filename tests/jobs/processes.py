"""The portal's own processes, started for a test on its database: Celery workers and gunicorn.

Each runs as production runs it (``celery -A portal worker``, ``gunicorn portal.wsgi``) against
the test database, the suite's Redis, and a media folder the test reads.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

WAIT_SECONDS = 120
#: The marks of a test module that starts these processes.
REAL_PROCESSES = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real broker)"),
]


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"Timed out after {WAIT_SECONDS}s waiting for {what}.")


def database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _environment(media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(media),
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
        # The same keys as this test process, so both read and write the same trail and sessions.
        "SECRET_KEY": settings.SECRET_KEY,
        "AUDIT_KEY": settings.AUDIT_KEY,
    }


@contextmanager
def _running(command: list[str], media: Path, log: Path, ready: Callable[[], bool]) -> Iterator:
    with open(log, "w") as out:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=_environment(media),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: process.poll() is not None or ready(), f"{command[2]} to start")
        assert process.poll() is None, log.read_text()
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def celery_worker(media: Path, logs: Path) -> Iterator[subprocess.Popen]:
    """A ``celery -A portal worker`` on the test database, answering pings when yielded."""
    from portal.celery import app

    if connection.vendor != "postgresql":
        pytest.skip("the real-worker tests run on PostgreSQL (set DATABASE_URL)")
    app.conf.task_always_eager = False
    app.control.purge()
    name = f"jobs-test-{uuid.uuid4().hex[:8]}@%h"
    hostname = name.replace("%h", os.uname().nodename)
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo"]
    command += ["--loglevel=WARNING", f"--hostname={name}", "--without-gossip", "--without-mingle"]
    with _running(
        command,
        media,
        logs / f"{hostname}.log",
        lambda: bool(app.control.ping(destination=[hostname], timeout=1)),
    ) as process:
        yield process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def gunicorn_server(media: Path, logs: Path) -> Iterator[str]:
    """A ``gunicorn portal.wsgi`` on the test database; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread"]
    command += ["--threads", "2"]
    with _running(command, media, logs / f"gunicorn-{port}.log", lambda: _listening(port)):
        yield f"http://127.0.0.1:{port}"
