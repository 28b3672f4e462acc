"""A real Celery worker process against the test database and the Redis broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery_app import app as celery_app
from tests.bots.conftest import TOKEN
from tests.bots.standin import BotApiStandIn
from tests.conftest import wait_until

# The handoff fixtures, for test_handoff_delivery.py.
from tests.handoff.conftest import agencies, incident, north, receiver_for, south  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def worker_env(bot_api_url: str = "") -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"  # the test database
    telegram = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": bot_api_url} if bot_api_url else {}
    # Handoff retries wait 0.2 s, 0.4 s, ... instead of 30 s, 1 min, ...; triage batches of 5, so
    # a dozen tips already make drains hand over to one another.
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url,
            "TIPLINE_HANDOFF_RETRY_BASE_SECONDS": "0.2", "TIPLINE_TRIAGE_BATCH": "5", **telegram}


@pytest.fixture(scope="session")
def worker_bot_api() -> Iterator[BotApiStandIn]:
    """The Bot API stand-in the worker sends to (caseworker questions, status notices)."""
    standin = BotApiStandIn(token=TOKEN)
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, worker_bot_api: BotApiStandIn
) -> Iterator[str]:
    """Start `celery worker` once per session; yields its node name. Its log is kept for failures."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # no stale tasks from older runs
    node = f"test-{uuid.uuid4().hex[:8]}@localhost"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
             "--concurrency", "2", "--loglevel", "INFO", "--hostname", node,
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=worker_env(f"http://127.0.0.1:{worker_bot_api.server.server_port}"), stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        try:
            wait_until(lambda: celery_app.control.ping(destination=[node], timeout=0.5), timeout=120)
        except AssertionError as exc:
            raise AssertionError(f"worker did not answer: {log_path.read_text(errors='replace')[-3000:]}") from exc
        yield node
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.returncode not in (0, -15, None):
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])


@pytest.fixture(autouse=True)
def worker_quiet_before_flush() -> Iterator[None]:
    """After each test, let a running worker finish what the test started (a tip the bot stored
    is triaged moments later) before the database is emptied: its transaction and the flush's
    TRUNCATE would otherwise deadlock. Quiet: no other session busy, three looks 0.1 s apart."""
    yield
    test_database = connection.settings_dict["NAME"]

    def busy() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                           "AND state IN ('active', 'idle in transaction')", [test_database])
            return cursor.fetchone()[0] > 0

    def quiet() -> bool:
        for _look in range(3):
            if busy():
                return False
            time.sleep(0.1)
        return True

    try:
        wait_until(quiet, timeout=30)
    except AssertionError:
        pass  # still busy: the flush will tell
