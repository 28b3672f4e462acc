"""POST /api/v1/tips/ under concurrent load, beside a bare Django insert view on the same server.

    .venv/bin/python bench/intake.py [--requests N] [--concurrency C] [--repeats R]

What and why: see bench/README.md and the shared BENCHMARKS.md (target: api/bare ≥ 0.5).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.load import LoadRun, run_load  # noqa: E402
from bench.reference import BARE_DDL  # noqa: E402
from bench.server import ROOT, ServerSettings, flush_redis, gunicorn, prepare_database  # noqa: E402
from bench.texts import encoded_payloads  # noqa: E402

TARGET_RATIO = 0.5
API_PATH = "/api/v1/tips/"
BARE_PATH = "/bench/bare-insert/"
RESULTS = ROOT / "bench" / "results" / "intake.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="requests per measured run")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent client workers")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per endpoint")
    parser.add_argument("--warmup", type=int, default=300, help="discarded requests per endpoint first")
    parser.add_argument("--timeout", type=float, default=120.0, help="hard limit of one run, seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    parser.add_argument("--threads", type=int, default=4, help="per worker, gthread only")
    args = parser.parse_args()
    if min(args.requests, args.concurrency, args.repeats) < 1 or args.warmup < 0:
        parser.error("--requests, --concurrency and --repeats must be ≥ 1, --warmup ≥ 0")
    return args


def measure(base_url: str, bodies: list[bytes], args: argparse.Namespace) -> dict[str, list[LoadRun]]:
    """Warm both endpoints, then alternate them, so that drift on a noisy machine hits both."""
    urls = {"bare": base_url + BARE_PATH, "api": base_url + API_PATH}
    if args.warmup:
        for label, url in urls.items():
            # Fills connection pools, imports lazily loaded code, primes PostgreSQL's caches.
            run_load(f"warmup-{label}", url, bodies, args.warmup, args.concurrency, args.timeout)
    runs: dict[str, list[LoadRun]] = {"bare": [], "api": []}
    for repeat in range(args.repeats):
        # ABBA order: whichever endpoint went second last time goes first now.
        order = ["bare", "api"] if repeat % 2 == 0 else ["api", "bare"]
        for label in order:
            run = run_load(label, urls[label], bodies, args.requests, args.concurrency, args.timeout)
            runs[label].append(run)
            print(f"  repeat {repeat + 1}/{args.repeats} {label:<4} {run.rps:8.1f} req/s  "
                  f"p50 {run.percentile_ms(50):6.1f} ms  p99 {run.percentile_ms(99):6.1f} ms  "
                  f"errors {run.errors}", flush=True)
    return runs


def medians(runs: list[LoadRun]) -> dict[str, float]:
    return {
        "rps": round(statistics.median(r.rps for r in runs), 1),
        "p50_ms": round(statistics.median(r.percentile_ms(50) for r in runs), 2),
        "p99_ms": round(statistics.median(r.percentile_ms(99) for r in runs), 2),
        "errors": statistics.median(r.errors for r in runs),
    }


def print_table(summary: dict[str, dict[str, float]], ratio: float) -> None:
    rows = [("bare insert view (reference)", summary["bare"]), (f"POST {API_PATH}", summary["api"])]
    print(f"\n{'endpoint (medians)':<30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, figures in rows:
        print(f"{name:<30} {figures['rps']:>9.1f} {figures['p50_ms']:>8.1f} "
              f"{figures['p99_ms']:>8.1f} {figures['errors']:>7g}")
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"\napi_rps / bare_rps = {ratio:.2f}  (target ≥ {TARGET_RATIO}: {verdict})")


def git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def write_results(args: argparse.Namespace, server: ServerSettings, runs: dict[str, list[LoadRun]],
                  summary: dict[str, dict[str, float]], ratio: float) -> None:
    document = {
        "benchmark": "intake",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": git_commit(),  # the working tree may hold uncommitted changes on top
        "host": {"python": platform.python_version(), "machine": platform.machine()},
        "config": {
            "requests": args.requests, "concurrency": args.concurrency, "repeats": args.repeats,
            "warmup": args.warmup, "timeout_s": args.timeout,
            "server": {"workers": server.workers, "worker_class": server.worker_class,
                       "threads": server.threads if server.worker_class == "gthread" else 1},
        },
        "medians": summary,
        "ratio": {"api_rps_over_bare_rps": round(ratio, 3), "target": TARGET_RATIO, "met": ratio >= TARGET_RATIO},
        "runs": {label: [r.summary() for r in label_runs] for label, label_runs in runs.items()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results: {RESULTS.relative_to(ROOT)}")


def main() -> int:
    args = parse_args()
    server = ServerSettings(workers=args.workers, worker_class=args.worker_class, threads=args.threads)
    bodies = encoded_payloads(max(args.requests, args.warmup, 1))
    print("preparing the bench database (create if missing, migrate) ...", flush=True)
    prepare_database([BARE_DDL])
    flush_redis()
    try:
        with gunicorn(server) as running:
            print(f"gunicorn {' '.join(server.as_args())} on {running.base_url} (log: {running.log_path})")
            print(f"{args.requests} requests x {args.repeats} repeats per endpoint, "
                  f"concurrency {args.concurrency}, warm-up {args.warmup}", flush=True)
            runs = measure(running.base_url, bodies, args)
    finally:
        flush_redis()  # the triage tasks the API queued; no worker ran to take them
    summary = {label: medians(label_runs) for label, label_runs in runs.items()}
    ratio = summary["api"]["rps"] / summary["bare"]["rps"] if summary["bare"]["rps"] else 0.0
    print_table(summary, ratio)
    write_results(args, server, runs, summary, ratio)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; gunicorn stopped", file=sys.stderr)
        sys.exit(130)
