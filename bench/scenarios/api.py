"""The API list endpoint under load: gunicorn on loopback, 20 concurrent clients for 60 s (wrk).

Target: ≥ 200 requests/s on 2 cores, p95 ≤ 150 ms, zero errors. Each of the 20 connections
signs in as its own reviewer of the largest NRA (tokens from ``POST /api/v1/auth/token/``, with the
code of the reviewer's authenticator: two-factor sign-in is part of what is measured), so the
per-user throttle stays in force as in production; its rate is raised only far enough that a
benchmark client is never refused (THROTTLE_USER below).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.db import connection
from django_otp.oath import TOTP

from bench.load_data import BENCH_PASSWORD, BENCH_TOTP_KEY
from bench.measure import MissingEntryPoint
from waivers.models import Role, User

CONNECTIONS = 20
WORKERS, THREADS = 3, 4  # as docker/Dockerfile and docker/compose.yml run production
LUA = r"""
local tokens = {%(tokens)s}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
local conn = 0
request = function()
  conn = conn + 1
  local token = tokens[((id * 10 + conn) %% #tokens) + 1]
  return wrk.format("GET", "/api/v1/waivers/", {["Authorization"] = "Token " .. token})
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write("WRK-JSON " .. string.format(
    '{"requests": %%d, "seconds": %%.3f, "p50_ms": %%.2f, "p95_ms": %%.2f, "p99_ms": %%.2f, "errors": %%d, "non_2xx": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors, summary.errors.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_json(url: str, body: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def get(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # fields 3… of proc(5); utime and stime are 14, 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_processes(master: int) -> list[int]:
    """The gunicorn master and its workers."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                workers.append(int(stat.parent.name))
        except FileNotFoundError:
            continue
    return [master, *workers]


def database_backends() -> list[int]:
    """The PostgreSQL backends serving this data set (the web workers' connections)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def cpu_snapshot(master: int) -> dict[str, dict[int, float]]:
    return {
        "django": {pid: cpu_seconds(pid) for pid in server_processes(master)},
        "postgres": {pid: cpu_seconds(pid) for pid in database_backends()},
    }


def cpu_ms_per_request(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], requests: int
) -> dict[str, float]:
    """CPU each side spent per request during the run; a process born meanwhile counts whole."""
    return {
        side: round(
            1000
            * sum(cpu - before[side].get(pid, 0.0) for pid, cpu in after[side].items())
            / max(requests, 1),
            2,
        )
        for side in after
    }


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise MissingEntryPoint("wrk is not installed (apt-get install -y wrk)")
    port = free_port()
    # Production settings come from bench/run.py's environment; only the throttles are raised.
    env = dict(os.environ, THROTTLE_USER="100000/min", THROTTLE_TOKEN="1000/min")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        reviewers = list(
            User.objects.filter(role=Role.REVIEWER, nra__staff__username="bench-reviewer")
            .distinct()
            .order_by("pk")
            .values_list("username", flat=True)[:CONNECTIONS]
        )
        tokens = []
        for username in reviewers:
            # Each reviewer has an authenticator of its own (one secret): each takes the code once.
            code = f"{TOTP(bytes.fromhex(BENCH_TOTP_KEY)).token():06d}"
            status, body = post_json(
                f"{base}/api/v1/auth/token/",
                {"username": username, "password": BENCH_PASSWORD, "otp": code},
            )
            if status != 200:
                raise MissingEntryPoint(f"POST /api/v1/auth/token/ answered {status}")
            tokens.append(body["token"])
        status = get(f"{base}/api/v1/waivers/", tokens[0])
        if status != 200:
            raise MissingEntryPoint(f"GET /api/v1/waivers/ answered {status}, not 200")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA % {"tokens": ", ".join(f'"{t}"' for t in tokens)})
        duration = 5 if smoke else 60
        cpu_before = cpu_snapshot(server.pid)
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [
                wrk,
                "-t2",
                f"-c{CONNECTIONS}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        )
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after = cpu_snapshot(server.pid)
        Path(script.name).unlink()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(line.removeprefix("WRK-JSON "))
    rate = figures["requests"] / figures["seconds"]
    cpu = cpu_ms_per_request(cpu_before, cpu_after, figures["requests"])
    wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (
        wrk_before.ru_utime + wrk_before.ru_stime
    )
    cpu["wrk"] = round(1000 * wrk_cpu / max(figures["requests"], 1), 2)
    return [
        {
            "metric": f"API list under load ({CONNECTIONS} clients, {duration} s)",
            "median_ms": figures["p50_ms"],
            "p95_ms": figures["p95_ms"],
            "requests_per_s": round(rate, 1),
            "errors": figures["errors"],
            "cpu_ms_per_request": cpu,
            "gunicorn": f"{WORKERS} workers × {THREADS} threads",
            "target": "≥ 200 req/s, p95 ≤ 150 ms, 0 errors",
            "met": rate >= 200 and figures["p95_ms"] <= 150 and figures["errors"] == 0,
        }
    ]
