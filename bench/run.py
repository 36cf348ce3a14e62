"""The benchmark suite: ``python bench/run.py --size smoke|1000|10000|100000[,…]``.

For each size it prepares a PostgreSQL database ``portal_bench_<size>`` (generated once with
``generate_load_data``, reused while its row counts match and it holds a recorded sweep), runs
every scenario in its own process (so peak RSS belongs to that scenario alone), prints a table
with the machine it ran on, and merges the figures into bench/results.json. A scenario that
errors, or whose code is not in the tree, is reported as FAILED and the run exits non-zero:
nothing is skipped silently.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
MARK = "BENCH-RESULT "
SCENARIOS = (
    "audit",
    "upload",
    "queue_sql",
    "sweep_sql",
    "queue",
    "search",
    "sweep",
    "letter",
    "api",
)
SIZES = {"smoke": 200, "1000": 1000, "10000": 10000, "100000": 100000}
CERTIFICATES_PER_CASE = 10
GENERATOR_TARGET_S = 600
DETAILS = (
    "ratio_to_sql",
    "sql_median_ms",
    "queries",
    "requests_per_s",
    "errors",
    "cpu_ms_per_request",
    "entries_per_s",
    "cpu_s",
    "matches",
    "rss_growth_mb",
    "cases_flagged",
    "occasions",
    "notifications",
    "rows",
    "note",
)


def server_url() -> str:
    return os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def database_name(size: str) -> str:
    """``portal_bench_<size>``; BENCH_DATABASE_PREFIX lets parallel work use its own copies."""
    return os.environ.get("BENCH_DATABASE_PREFIX", "portal_bench_") + size


#: Where the production static-files storage (a manifest of hashed names) is collected for the run.
STATIC_ROOT = ROOT / "var" / "bench-static"


def environment(size: str) -> dict[str, str]:
    """Production settings (DEBUG off, the manifest static storage), on the size's database."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 50,
        AUDIT_KEY="bench-" + "a" * 58,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(STATIC_ROOT),
        DATABASE_URL=f"{server_url()}/{database_name(size)}",
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
        BENCH_SIZE=size,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


def run_child(
    args: list[str], env: dict[str, str], timeout: float
) -> tuple[int, str, float, float]:
    """Run a process; return its exit code, output, wall seconds and peak RSS (from wait4)."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        out.seek(0)
        return proc.returncode, out.read(), elapsed, usage.ru_maxrss / 1024


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    postgres = subprocess.run(
        ["psql", f"{server_url()}/postgres", "-Atc", "show server_version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": memory,
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "postgres": postgres,
        "kernel": platform.release(),
    }


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", f"{server_url()}/{database}", "-v", "ON_ERROR_STOP=1", "-Atc", sql],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(done.stderr.strip())
    return done.stdout.strip()


def visibility(database: str) -> dict[str, Any]:
    """VACUUM the data set, then report how much of the case table is marked all-visible.

    Index-only scans read the heap for every page not so marked. A transaction left open
    anywhere in the database while the generator (or an earlier run) vacuumed keeps pages from
    being marked, and the queue then read 4,400 heap pages for one count (19 ms instead of 3);
    vacuuming before measuring, and saying what it left, keeps such a run from passing unseen.
    """
    psql("VACUUM", database)
    share = psql(
        "SELECT round(100.0 * relallvisible / greatest(relpages, 1), 1) FROM pg_class "
        "WHERE relname = 'waivers_waiverrequest'",
        database,
    )
    return {"metric": "case table marked all-visible after VACUUM", "note": f"{share} %"}


def prepare(size: str, regenerate: bool) -> list[dict[str, Any]]:
    """Make sure portal_bench_<size> holds exactly the generated, swept data set; time the generator."""
    cases, database = SIZES[size], database_name(size)
    certificates = cases * CERTIFICATES_PER_CASE
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"
    if exists and not regenerate:
        try:
            held = psql(
                "SELECT (SELECT count(*) FROM waivers_waiverrequest) || ',' || "
                "(SELECT count(*) FROM waivers_certificate) || ',' || "
                "(SELECT count(*) > 0 FROM waivers_sweeprun)",
                database,
            )
            if held == f"{cases},{certificates},true":
                return [
                    {"metric": "generate_load_data", "note": "reused the existing data set"},
                    visibility(database),
                ]
        except RuntimeError:
            pass
    if exists:
        psql(f'DROP DATABASE "{database}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{database}"')
    env = environment(size)
    python = sys.executable
    code, out, _, _ = run_child([python, "manage.py", "migrate", "-v0"], env, 600)
    if code:
        raise RuntimeError(f"migrate failed:\n{out}")
    code, out, elapsed, peak = run_child(
        [
            python,
            "manage.py",
            "generate_load_data",
            f"--cases={cases}",
            f"--certificates={certificates}",
        ],
        env,
        3600,
    )
    if code:
        raise RuntimeError(f"generate_load_data failed:\n{out}")
    audit = int(psql("SELECT count(*) FROM waivers_auditentry", database))
    return [
        visibility(database),
        {
            "metric": "generate_load_data",
            "seconds": round(elapsed, 1),
            "peak_rss_mb": round(peak, 1),
            "rows": {"cases": cases, "certificates": certificates, "audit_entries": audit},
            "target": f"100,000 cases ≤ {GENERATOR_TARGET_S} s" if cases == 100000 else "",
            "met": elapsed <= GENERATOR_TARGET_S if cases == 100000 else None,
        },
    ]


def collect_static() -> None:
    """Pages rendered with DEBUG off name their static files through the collected manifest."""
    code, out, _, _ = run_child(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        environment("smoke"),
        600,
    )
    if code:
        raise RuntimeError(f"collectstatic failed:\n{out}")


def run_scenario(name: str, size: str, timeout: float) -> tuple[list[dict[str, Any]], str | None]:
    code, out, elapsed, peak = run_child(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--child", name, "--size", size],
        environment(size),
        timeout,
    )
    lines = [line for line in out.splitlines() if line.startswith(MARK)]
    payload = json.loads(lines[-1][len(MARK) :]) if lines else None
    if code or payload is None or payload.get("error"):
        reason = (payload or {}).get("error") or f"exit {code} after {elapsed:.0f} s"
        tail = "\n".join(out.strip().splitlines()[-15:])
        return [], f"{name}: {reason}\n{tail}"
    for row in payload["rows"]:
        row.setdefault("process_peak_rss_mb", round(peak, 1))
        row.setdefault("process_s", round(elapsed, 1))
    return payload["rows"], None


def child(name: str) -> None:
    """Inside the scenario's process: set Django up, run it, print its rows as one JSON line."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from importlib import import_module

    from bench.measure import MissingEntryPoint

    size = SIZES[os.environ["BENCH_SIZE"]]
    try:
        rows = import_module(f"bench.scenarios.{name}").measure(size=size, smoke=size < 1000)
    except MissingEntryPoint as exc:
        print(MARK + json.dumps({"error": f"MISSING ENTRY POINT: {exc}"}), flush=True)
        sys.exit(2)
    print(MARK + json.dumps({"rows": rows}, default=str), flush=True)


def cell(value: Any) -> str:
    return "" if value is None else str(value)


def table(size: str, rows: list[dict[str, Any]]) -> str:
    head = ("metric", "median ms", "p95 ms", "seconds", "peak RSS MB", "target", "met", "detail")
    body = [
        (
            f"{row['metric']}",
            cell(row.get("median_ms")),
            cell(row.get("p95_ms")),
            cell(row.get("seconds")),
            cell(row.get("peak_rss_mb")),
            cell(row.get("target")),
            {True: "yes", False: "NO", None: ""}[row.get("met")],
            " ".join(f"{k}={row[k]}" for k in DETAILS if k in row),
        )
        for row in rows
    ]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = [f"== size {size} =="]
    for r in [head, *body]:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def scaling(results: dict[str, Any]) -> list[str]:
    """Cross-size checks: the queue's 100,000-case time within 1.5 x its 1,000-case time and
    the same number of queries at every size."""
    sizes = [s for s in ("1000", "10000", "100000") if s in results]
    by_size = {s: {r["metric"]: r for r in results[s]["rows"]} for s in sizes}
    if "1000" not in by_size or "100000" not in by_size:
        return []
    lines = []
    for metric, small in by_size["1000"].items():
        large = by_size["100000"].get(metric)
        if not metric.startswith("queue page") or not large or "median_ms" not in small:
            continue
        ratio = large["median_ms"] / small["median_ms"]
        counts = [by_size[s].get(metric, {}).get("queries") for s in sizes]
        same = len(set(counts)) == 1
        lines.append(
            f"{metric}: 100k/1k = {ratio:.2f} (target ≤ 1.5) {'ok' if ratio <= 1.5 else 'MISSED'}; "
            f"queries at {'/'.join(sizes)}: {counts} {'ok' if same else 'MISSED'}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="smoke", help="smoke, 1000, 10000, 100000 (comma list)")
    parser.add_argument("--only", help="comma list of scenarios: " + ", ".join(SCENARIOS))
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    sizes = args.size.split(",")
    unknown = [s for s in sizes if s not in SIZES]
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    if unknown or set(chosen) - set(SCENARIOS):
        parser.error(f"unknown size or scenario: {unknown or sorted(set(chosen) - set(SCENARIOS))}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    info = machine()
    print("machine:", json.dumps(info))
    failures: list[str] = []
    collect_static()
    for size in sizes:
        rows = prepare(size, regenerate=args.regenerate or size == "smoke")
        for name in chosen:
            got, failure = run_scenario(name, size, timeout=1800)
            rows += got
            if failure:
                failures.append(f"[{size}] {failure}")
        # A partial run (--only) replaces its own figures and keeps the others of that size.
        fresh = {row["metric"] for row in rows}
        kept = [r for r in results.get(size, {}).get("rows", []) if r["metric"] not in fresh]
        results[size] = {
            "machine": info,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "rows": kept + rows,
        }
        print(table(size, rows), flush=True)
    results["scaling"] = scaling(results)
    for line in results["scaling"]:
        print(line)
    RESULTS.write_text(json.dumps(results, indent=2, default=str))
    print(f"figures written to {RESULTS.relative_to(ROOT)}")
    if failures:
        print("\nFAILED:", file=sys.stderr)
        for failure in failures:
            print(failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
