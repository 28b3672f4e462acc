"""A campaign broadcast against a Bot API stand-in on loopback: achieved messages per second
beside the configured cap (the physical limit), 429s seen, and peak memory during the send.

    .venv/bin/python bench/broadcast.py [--subscribers N] [--cap C]
    make bench-broadcast

The send is campaigns.broadcast.send_queued, the function the Celery task runs, in this
process. Target (BENCHMARKS.md): achieved / cap ≥ 0.95 with zero 429s. At the default cap of
30 a second, 100,000 subscribers take about 56 minutes; the default here is 3,000 (100 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "broadcast.json"
TOKEN = "123456:BENCH-token"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--cap", type=int, default=30, help="TELEGRAM_MESSAGES_PER_SECOND")
    return parser.parse_args()


def busiest_second(times: list[float]) -> int:
    """The most sends inside any sliding one-second window (what Telegram's limit looks at)."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def main() -> int:
    args = parse_args()
    from tests.bots.standin import BotApiStandIn

    standin = BotApiStandIn(token=TOKEN)
    api_url = standin.start()
    os.environ.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api_url,
                       "TELEGRAM_MESSAGES_PER_SECOND": str(args.cap)})
    from bench.server import flush_redis, prepare_database

    print("preparing the bench database (create if missing, migrate) ...", flush=True)
    prepare_database([])
    flush_redis()
    django.setup()
    from campaigns.broadcast import plan_broadcast, send_queued
    from campaigns.models import Campaign, CampaignStatus
    from campaigns.texts import write_language
    from reporting.models import Reporter
    from reporting.privacy import encrypt_handle

    Campaign.objects.filter(code="bench").delete()
    # "0" is not in the pseudonym alphabet: these are the bench's own residents, never a tip's.
    Reporter.objects.filter(pseudonym__startswith="R-0").delete()
    print(f"creating {args.subscribers} subscribers ...", flush=True)
    Reporter.objects.bulk_create(
        [Reporter(pseudonym=f"R-0{n:07d}", channel="telegram", subscribed=True, language="en",
                  reply_handle=encrypt_handle(str(800_000_000 + n))) for n in range(args.subscribers)],
        batch_size=2000,
    )
    campaign = Campaign(code="bench", status=CampaignStatus.APPROVED)
    write_language(campaign, "en", "Bench campaign", "What smuggling of people looks like, and how to report it.")
    campaign.save()
    planned = plan_broadcast(campaign)
    print(f"sending {planned} messages at a cap of {args.cap}/s ...", flush=True)
    tracemalloc.start()
    started = time.perf_counter()
    send_queued(campaign.pk)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sends = standin.calls_to("sendMessage")
    delivered = len({str(call.params["chat_id"]) for call in sends})
    rate = delivered / elapsed if elapsed else 0.0
    ratio = rate / args.cap
    print(f"\n{'figure':<34} {'value':>12}")
    print(f"{'messages delivered':<34} {delivered:>12}")
    print(f"{'seconds':<34} {elapsed:>12.1f}")
    print(f"{'achieved messages/s':<34} {rate:>12.2f}")
    print(f"{'configured cap (reference)':<34} {args.cap:>12}")
    print(f"{'achieved / cap':<34} {ratio:>12.3f}   (target ≥ 0.95: {'met' if ratio >= 0.95 else 'NOT met'})")
    busiest = busiest_second([call.at for call in sends])
    print(f"{'most messages in any 1 s window':<34} {busiest:>12}   (over the cap, Telegram would answer 429)")
    print(f"{'peak Python memory during send MB':<34} {peak / 2**20:>12.1f}")
    print(f"{'max RSS MB':<34} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:>12.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "broadcast", "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {"python": platform.python_version(), "machine": platform.machine()},
        "config": vars(args), "delivered": delivered, "seconds": round(elapsed, 2),
        "messages_per_second": round(rate, 2), "cap": args.cap, "ratio": round(ratio, 3), "met": ratio >= 0.95,
        "peak_python_mb": round(peak / 2**20, 1), "busiest_second": busiest,
    }, indent=2) + "\n")
    print(f"results: {RESULTS.relative_to(RESULTS.parents[2])}")
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
