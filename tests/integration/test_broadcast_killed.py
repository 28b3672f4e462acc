"""A broadcast to 2,000 subscribers with its worker SIGKILLed halfway, while Telegram (the
stand-in) holds its answer to one message: after a new worker takes over, everyone has the
campaign exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from campaigns.broadcast import plan_broadcast
from campaigns.models import Campaign, Delivery, DeliveryState
from campaigns.tasks import broadcast_campaign
from tests.bots.conftest import TOKEN
from tests.bots.standin import BotApiStandIn
from tests.campaigns.test_broadcast import approved_campaign, subscribers
from tests.conftest import wait_until
from tests.integration.conftest import ROOT, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

QUEUE = "broadcast-kill-test"
SUBSCRIBERS = 2000
HELD = 900  # the message whose answer never reaches the first worker


def start_worker(api_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**worker_env(api_url), "TELEGRAM_MESSAGES_PER_SECOND": "2000", "CELERY_VISIBILITY_TIMEOUT": "3",
           "CELERY_UNACKED_RESTORE_SECONDS": "1", "TIPLINE_BROADCAST_STALE_SECONDS": "2"}
    with open(log, "ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
             "--queues", QUEUE, "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )


def test_a_worker_killed_halfway_sends_nobody_the_campaign_twice_and_skips_nobody(tmp_path: Path) -> None:
    standin = BotApiStandIn(token=TOKEN, hold_send_number=HELD)
    api_url = standin.start()
    subscribers(SUBSCRIBERS)
    campaign: Campaign = approved_campaign()
    plan_broadcast(campaign)
    log = tmp_path / "worker.log"
    first = start_worker(api_url, log)
    second = None
    try:
        broadcast_campaign.apply_async((campaign.pk,), queue=QUEUE)
        wait_until(lambda: len(standin.calls_to("sendMessage")) >= HELD, timeout=120)
        os.killpg(first.pid, signal.SIGKILL)  # while it waits for Telegram's answer
        first.wait(timeout=30)
        standin.release.set()
        second = start_worker(api_url, log)  # the task comes back (acks late) to a new worker
        wait_until(lambda: Campaign.objects.get(pk=campaign.pk).broadcast_finished_at is not None, timeout=180)
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
        standin.stop()

    received = Counter(str(call.params["chat_id"]) for call in standin.calls_to("sendMessage"))
    assert len(received) == SUBSCRIBERS, log.read_text()[-2000:]  # nobody skipped
    assert set(received.values()) == {1}  # nobody twice
    states = Counter(Delivery.objects.filter(campaign=campaign).values_list("state", flat=True))
    assert states == {DeliveryState.SENT: SUBSCRIBERS - 1, DeliveryState.UNCONFIRMED: 1}
