"""The Telegram webhook under load, and the time from an update to the bot's answer.

    .venv/bin/python bench/bot.py [--updates N] [--concurrency C] [--repeats R] [--residents M]

(1) POST /telegram/webhook/ with distinct updates, beside an empty Django view on the same
    gunicorn: updates stored per second and p99 time to the 200 (target p99 < 20 ms).
(2) A real `runbot` process against a Bot API stand-in on loopback: M residents each go
    through a whole report; per step, the time from the POST to the bot's message arriving at
    the stand-in; the last step is the confirmation with the reference.
Figures, not pass/fail; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import httpx  # noqa: E402

from bench.load import LoadRun, run_load  # noqa: E402
from bench.server import (  # noqa: E402
    ROOT,
    ServerSettings,
    bench_environment,
    flush_redis,
    gunicorn,
    prepare_database,
)
from tests.bots.residents import Resident  # noqa: E402
from tests.bots.standin import BotApiStandIn  # noqa: E402

TOKEN = "123456:BENCH-token"
SECRET = "bench-webhook-secret"
WEBHOOK_PATH = "/telegram/webhook/"
EMPTY_PATH = "/bench/empty/"
TARGET_P99_MS = 20.0
RESULTS = ROOT / "bench" / "results" / "bot.json"
REPORT = "A white van with people locked in the back crosses the old river bridge every night at two"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=3000, help="webhook POSTs per run")
    parser.add_argument("--concurrency", type=int, default=16, help="for updates stored per second")
    parser.add_argument("--latency-concurrency", type=int, default=2,
                        help="for the p99 time to 200: Telegram's real traffic, a few updates at a time")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--residents", type=int, default=20, help="full reports through runbot")
    parser.add_argument("--timeout", type=float, default=300.0)
    return parser.parse_args()


def update_bodies(count: int) -> list[bytes]:
    """Distinct updates (each its own update_id, as Telegram sends them) from 50 residents."""
    residents = [Resident(880_000_000 + n) for n in range(50)]
    return [json.dumps(residents[i % 50].text(f"{REPORT} ({i})")).encode() for i in range(count)]


def measure_webhook(base_url: str, args: argparse.Namespace, concurrency: int) -> dict[str, list[LoadRun]]:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    urls = {"empty": base_url + EMPTY_PATH, "webhook": base_url + WEBHOOK_PATH}
    if args.warmup:
        for label, url in urls.items():
            run_load(f"warmup-{label}", url, update_bodies(args.warmup), args.warmup, concurrency,
                     args.timeout, headers, ok_status=200)
    runs: dict[str, list[LoadRun]] = {"empty": [], "webhook": []}
    for repeat in range(args.repeats):
        for label in (["empty", "webhook"] if repeat % 2 == 0 else ["webhook", "empty"]):
            run = run_load(label, urls[label], update_bodies(args.updates), args.updates, concurrency,
                           args.timeout, headers, ok_status=200)
            runs[label].append(run)
            print(f"  repeat {repeat + 1}/{args.repeats} {label:<7} {run.rps:8.1f} req/s  "
                  f"p50 {run.percentile_ms(50):6.1f} ms  p99 {run.percentile_ms(99):6.1f} ms  "
                  f"errors {run.errors}", flush=True)
    return runs


def start_runbot(api_url: str) -> subprocess.Popen[bytes]:
    env = {**bench_environment(), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api_url,
           "TELEGRAM_WEBHOOK_SECRET": SECRET}
    return subprocess.Popen([sys.executable, "manage.py", "runbot"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure_answers(base_url: str, standin: BotApiStandIn, residents: int) -> dict[str, list[float]]:
    """Each step of a report, timed from the POST to the bot's next message to that chat."""
    client = httpx.Client(headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, trust_env=False)
    steps: dict[str, list[float]] = {}
    for n in range(residents + 1):  # the first one warms the bot process up and is not counted
        resident = Resident(890_000_000 + int(time.time()) % 100_000 * 100 + n)
        flow = [("report", resident.command("report")), ("text", resident.text(REPORT)),
                ("done", resident.press("report:done")), ("place", resident.text("Old river bridge")),
                ("when", resident.press("when:now")), ("photos", resident.press("report:skip")),
                ("confirmation", resident.press("report:send"))]
        for step, update in flow:
            before = len(standin.texts_to(resident.chat_id))
            started = time.perf_counter()
            client.post(base_url + WEBHOOK_PATH, json=update).raise_for_status()
            deadline = started + 30
            while len(standin.texts_to(resident.chat_id)) <= before and time.perf_counter() < deadline:
                time.sleep(0.002)
            if n:
                steps.setdefault(step, []).append((time.perf_counter() - started) * 1000)
        if "Reference" not in standin.last_text_to(resident.chat_id):
            raise RuntimeError(f"resident {n} got no reference: {standin.last_text_to(resident.chat_id)!r}")
    client.close()
    return steps


def medians(runs: dict[str, list[LoadRun]]) -> dict[str, dict[str, float]]:
    return {label: {"rps": round(statistics.median(r.rps for r in rs), 1),
                    "p50_ms": round(statistics.median(r.percentile_ms(50) for r in rs), 2),
                    "p99_ms": round(statistics.median(r.percentile_ms(99) for r in rs), 2),
                    "errors": statistics.median(r.errors for r in rs)} for label, rs in runs.items()}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))]


def main() -> int:
    args = parse_args()
    standin = BotApiStandIn(token=TOKEN)
    api_url = standin.start()
    os.environ.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_API_BASE_URL": api_url})
    print("preparing the bench database (create if missing, migrate) ...", flush=True)
    prepare_database(["TRUNCATE bots_telegramupdate"])
    flush_redis()
    server = ServerSettings()
    try:
        with gunicorn(server) as running:
            print(f"gunicorn {' '.join(server.as_args())} on {running.base_url}")
            print(f"(1) {args.updates} webhook updates x {args.repeats}, concurrency {args.concurrency}", flush=True)
            runs = measure_webhook(running.base_url, args, args.concurrency)
            print(f"    and at concurrency {args.latency_concurrency}, for latency", flush=True)
            latency_runs = measure_webhook(running.base_url, args, args.latency_concurrency)
            subprocess.run([sys.executable, "manage.py", "shell", "-c",
                            "from bots.models import TelegramUpdate; TelegramUpdate.objects.all().delete()"],
                           cwd=ROOT, env=bench_environment(), check=True)
            print(f"(2) {args.residents} residents through runbot, each a whole report", flush=True)
            bot = start_runbot(api_url)
            try:
                steps = measure_answers(running.base_url, standin, args.residents)
            finally:
                bot.terminate()
                bot.wait(timeout=20)
    finally:
        flush_redis()
        standin.stop()
    summary = medians(runs)
    latency = medians(latency_runs)
    answer = {step: {"p50_ms": round(percentile(v, 50), 1), "p99_ms": round(percentile(v, 99), 1)}
              for step, v in steps.items()}
    for title, figures in ((f"concurrency {args.concurrency}", summary),
                           (f"concurrency {args.latency_concurrency}", latency)):
        print(f"\n{title + ' (medians)':<30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for label, name in (("empty", "empty Django view (ref.)"), ("webhook", f"POST {WEBHOOK_PATH}")):
            f = figures[label]
            print(f"{name:<30} {f['rps']:>9.1f} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f} {f['errors']:>7g}")
    ratio = summary["webhook"]["rps"] / summary["empty"]["rps"] if summary["empty"]["rps"] else 0.0
    p99 = latency["webhook"]["p99_ms"]
    met = p99 < TARGET_P99_MS
    print(f"\nstored updates/s over empty view/s = {ratio:.2f} at concurrency {args.concurrency}")
    print(f"webhook p99 at concurrency {args.latency_concurrency} = {p99} ms "
          f"(empty view {latency['empty']['p99_ms']} ms; target < {TARGET_P99_MS} ms: {'met' if met else 'NOT met'})")
    print(f"\n{'update → bot answer':<26} {'p50 ms':>8} {'p99 ms':>8}")
    for step, f in answer.items():
        print(f"{step:<26} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "bot", "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {"python": platform.python_version(), "machine": platform.machine()},
        "config": vars(args), "webhook": summary, "webhook_latency": latency, "webhook_over_empty": round(ratio, 3),
        "target_p99_ms": TARGET_P99_MS, "met": met, "answer_times": answer,
        "runs": {label: [r.summary() for r in rs] for label, rs in runs.items()},
        "latency_runs": {label: [r.summary() for r in rs] for label, rs in latency_runs.items()},
    }, indent=2) + "\n")
    print(f"results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
