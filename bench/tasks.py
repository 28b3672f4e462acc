"""The reference task of bench/triage.py (a): a Celery task that does nothing but say it ran.

Loaded into the bench's worker with `--include bench.tasks`; never part of the application.
"""

from __future__ import annotations

import time

import redis
from celery import shared_task
from django.conf import settings

_client: redis.Redis | None = None


@shared_task(name="bench.noop", acks_late=True)
def noop(index: int) -> None:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL)
    now = repr(time.time())
    # The first and last completion times are all the bench needs to compute a drain rate.
    _client.set("bench:noop:first", now, nx=True)
    _client.set("bench:noop:last", now)
    _client.incr("bench:noop:done")
