"""bench/triage.py (a): tips per second through one real Celery worker, and submit→triaged time.

1. With no worker running, queue N no-op tasks (the reference: the queue's own ceiling) and N
   tips through POST /api/v1/tips/; start one worker and time how fast each queue drains.
2. With the worker up and idle (one warm-up tip triaged first), send tips one at a time (spaced)
   and take received_at → triaged_at.
"""

from __future__ import annotations

import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import redis

from bench.load import run_load
from bench.server import (
    ROOT,
    ServerSettings,
    bench_environment,
    django_settings,
    flush_redis,
    gunicorn,
)
from bench.texts import encoded_payloads


@contextmanager
def celery_worker(concurrency: int, **settings_env: str) -> Iterator[subprocess.Popen[bytes]]:
    log = tempfile.NamedTemporaryFile(prefix="tipline-bench-worker-", suffix=".log", delete=False)
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--include", "bench.tasks",
               "--pool", "prefork", "--concurrency", str(concurrency), "--loglevel", "WARNING",
               "--without-gossip", "--without-mingle"]
    process = subprocess.Popen(command, cwd=ROOT, env={**bench_environment(), **settings_env}, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _db() -> psycopg.Connection:
    database = django_settings().DATABASES["default"]  # type: ignore[attr-defined]
    return psycopg.connect(host=database["HOST"], port=database["PORT"], user=database["USER"],
                           dbname=database["NAME"], autocommit=True)


def _wait(predicate, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


NOOP_PREFETCH = 100


def noop_drain_rate(count: int, concurrency: int, timeout: float) -> dict[str, object]:
    from bench.tasks import noop

    client = redis.Redis.from_url(django_settings().REDIS_URL)  # type: ignore[attr-defined]
    client.delete("bench:noop:first", "bench:noop:last", "bench:noop:done")
    for index in range(count):
        noop.apply_async((index,))
    # The queue's own ceiling: tiny tasks go fastest with many in flight per process (the
    # triage drains are long tasks, so the settings' default prefetch is 1).
    with celery_worker(concurrency, CELERY_WORKER_PREFETCH_MULTIPLIER=str(NOOP_PREFETCH)):
        done = _wait(lambda: int(client.get("bench:noop:done") or 0) >= count, timeout)
    first, last = float(client.get("bench:noop:first") or 0), float(client.get("bench:noop:last") or 0)
    return {"tasks": count, "completed": int(client.get("bench:noop:done") or 0), "finished": done,
            "per_second": round((count - 1) / (last - first), 1) if last > first else None}


def _triaged(conn: psycopg.Connection, since: float) -> tuple[int, list[float], list[float]]:
    """How many tips received since `since` are triaged, their latencies (ms) and triage times."""
    rows = conn.execute(
        "SELECT extract(epoch FROM received_at), extract(epoch FROM triaged_at) FROM reporting_tip "
        "WHERE received_at >= to_timestamp(%s) AND triaged_at IS NOT NULL", [since]).fetchall()
    latencies = [(float(t) - float(r)) * 1000 for r, t in rows]
    return len(rows), latencies, sorted(float(t) for _r, t in rows)


def drain_rate(triaged_times: list[float]) -> float | None:
    """Tips per second from the first triage to the last.

    The tips written at the first moment (a whole batch shares one triaged_at) were worked on
    before the clock started, so they are not counted: otherwise bigger batches would look
    faster than they are.
    """
    if len(triaged_times) < 2 or triaged_times[-1] <= triaged_times[0]:
        return None
    after_first = sum(1 for t in triaged_times if t > triaged_times[0])
    return after_first / (triaged_times[-1] - triaged_times[0])


def tips_drain_rate(base_url: str, count: int, concurrency: int, timeout: float) -> dict[str, object]:
    since = time.time() - 1
    submitted = run_load("tips", base_url + "/api/v1/tips/", encoded_payloads(count, seed=99), count, 16, timeout)
    with _db() as conn, celery_worker(concurrency):
        _wait(lambda: _triaged(conn, since)[0] >= submitted.created, timeout)
        triaged, _latencies, times = _triaged(conn, since)
    rate = drain_rate(times)
    return {"tips": submitted.created, "triaged": triaged, "per_second": round(rate, 1) if rate else None}


def idle_latency(base_url: str, count: int, gap_s: float, concurrency: int) -> dict[str, object]:
    bodies = encoded_payloads(count + 1, seed=7)
    with _db() as conn, celery_worker(concurrency) as worker, httpx.Client(trust_env=False, timeout=10) as client:
        # "Idle" means up and waiting: one tip first, measured from after it is triaged, so the
        # worker's start (loading its models) is not counted as a tip's wait.
        warm_up_since = time.time() - 1
        client.post(base_url + "/api/v1/tips/", content=bodies[0], headers={"Content-Type": "application/json"})
        assert _wait(lambda: _triaged(conn, warm_up_since)[0] >= 1, 120), "the worker never triaged a tip"
        assert worker.poll() is None, "worker died"
        time.sleep(1)
        since = time.time()
        for body in bodies[1:]:
            client.post(base_url + "/api/v1/tips/", content=body, headers={"Content-Type": "application/json"})
            time.sleep(gap_s)
        _wait(lambda: _triaged(conn, since)[0] >= count, 60)
        triaged, latencies, _times = _triaged(conn, since)
        steps = conn.execute("SELECT triage_timings FROM reporting_tip WHERE received_at >= to_timestamp(%s) "
                             "AND triaged_at IS NOT NULL", [since]).fetchall()
    ordered = sorted(latencies)
    per_step: dict[str, float] = {}
    for (timings,) in steps:
        for name, ms in (timings if isinstance(timings, dict) else json.loads(timings)).items():
            per_step.setdefault(name, []).append(ms)  # type: ignore[attr-defined]
    return {
        "tips": count, "triaged": triaged,
        "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
        "p99_ms": round(ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)], 1) if ordered else None,
        "step_median_ms": {name: round(statistics.median(v), 3) for name, v in per_step.items()},  # type: ignore[arg-type]
    }


def empty_archive() -> None:
    """(a) measures the pipeline, not the archive's size ((c) does that): start from no tips."""
    with _db() as conn:
        conn.execute("TRUNCATE reporting_tip, reporting_reporter, triage_incident RESTART IDENTITY CASCADE")


def measure(count: int = 2000, concurrency: int = 2, timeout: float = 300) -> dict[str, object]:
    flush_redis()
    empty_archive()
    subprocess.run([sys.executable, "manage.py", "train_classifier", "--promote", "--if-missing"],
                   cwd=ROOT, env=bench_environment(), check=True, capture_output=True)
    with gunicorn(ServerSettings()) as server:
        reference = noop_drain_rate(count, concurrency, timeout)
        tips = tips_drain_rate(server.base_url, count, concurrency, timeout)
        idle = idle_latency(server.base_url, 60, 0.25, concurrency)
    ratio = tips["per_second"] / reference["per_second"] if tips["per_second"] and reference["per_second"] else None
    return {"reference_noop": reference, "tips": tips, "idle": idle,
            "ratio_to_noop": round(ratio, 3) if ratio else None}
