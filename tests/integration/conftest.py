"""A real Celery worker process against the test database and the Redis broker."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery_app import app as celery_app
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]


def worker_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"  # the test database
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url}


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `celery worker` once per session; yields its node name. Its log is kept for failures."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # no stale tasks from older runs
    node = f"test-{uuid.uuid4().hex[:8]}@localhost"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
             "--concurrency", "2", "--loglevel", "INFO", "--hostname", node,
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=worker_env(), stdout=log, stderr=subprocess.STDOUT,
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
