"""The real bot process (`manage.py runbot`) killed in the middle of a report: nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reporting.models import Tip
from tests.bots.conftest import SECRET, Bot
from tests.bots.residents import Resident
from tests.bots.standin import BotApiStandIn
from tests.conftest import wait_until
from tests.integration.conftest import ROOT, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_bot(worker_bot_api: BotApiStandIn) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    assert worker_bot_api.server is not None
    env = worker_env(f"http://127.0.0.1:{worker_bot_api.server.server_port}")
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "manage.py", "runbot"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_killing_the_bot_process_mid_report_loses_nothing(
    worker_bot_api: BotApiStandIn, start_bot: Callable[[], subprocess.Popen[bytes]], settings: Any
) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    webhook = Bot(worker_bot_api)  # only its post(): the bot process does the handling
    omar = Resident(999_000_001)

    def last_text() -> str:
        return worker_bot_api.last_text_to(omar.chat_id)

    first = start_bot()
    for update in (omar.command("report"), omar.text("A tanker truck fills jerrycans at the ford every night")):
        assert webhook.post(update) == 200
    wait_until(lambda: "Added" in last_text())
    os.kill(first.pid, signal.SIGKILL)  # no shutdown, no final persistence flush
    first.wait(timeout=10)

    assert webhook.post(omar.press("report:done")) == 200  # stored while no bot runs
    start_bot()
    wait_until(lambda: "Where did it happen?" in last_text())
    for update in (omar.text("The ford below the dam"), omar.press("when:yesterday"), omar.press("report:skip"),
                   omar.press("report:send")):
        assert webhook.post(update) == 200
    wait_until(lambda: "Reference" in last_text())
    tip = Tip.objects.get()
    assert tip.reference in last_text()
    assert (tip.place_name, tip.occurred_window) == ("The ford below the dam", "yesterday")


def test_a_second_bot_process_waits_and_takes_over_when_the_first_stops(
    worker_bot_api: BotApiStandIn, start_bot: Callable[[], subprocess.Popen[bytes]], settings: Any
) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    webhook = Bot(worker_bot_api)
    residents = [Resident(999_000_100 + n) for n in range(6)]
    first = start_bot()
    assert webhook.post(residents[0].command("help")) == 200
    wait_until(lambda: worker_bot_api.texts_to(residents[0].chat_id))  # the first process leads
    start_bot()  # by mistake, or a deploy's overlap
    wait_until(_a_bot_process_waits_for_the_lead)

    for resident in residents:
        assert webhook.post(resident.command("help")) == 200
    def answers() -> list[int]:
        return [len(worker_bot_api.texts_to(r.chat_id)) for r in residents]

    wait_until(lambda: answers()[0] == 2 and all(answers()[1:]))
    assert answers() == [2, 1, 1, 1, 1, 1]  # once each

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert webhook.post(residents[1].command("help")) == 200
    wait_until(lambda: answers()[1] == 2, timeout=60)  # the second process took over
    assert answers() == [2, 2, 1, 1, 1, 1]  # and still nobody was answered twice


def _a_bot_process_waits_for_the_lead() -> bool:
    """A connection whose last statement asked for the lead lock, and did not get it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND pid NOT IN "
                       "(SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
                       ["SELECT pg_try_advisory_lock%"])
        return cursor.fetchone()[0] > 0
