"""Settings for the benchmarks: the test settings (PostgreSQL + Redis) on their own database.

The bench gets its own PostgreSQL database and its own Redis databases (12: cache, 13: broker),
so that it never writes into a developer's data and never collides with a test run going on at
the same time: the integration tests' Celery worker consumes from Redis 15 and would otherwise
pick up the bench's triage tasks, with tip ids that mean nothing in its database.
"""

from __future__ import annotations

import os

# Assigned, not setdefault: a DATABASE_URL left in the shell for development must not send
# thousands of benchmark tips into that database. BENCH_* variables override on purpose.
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tipline_bench"
)
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
os.environ["CELERY_BROKER_URL"] = os.environ.get(
    "BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/11"
)
os.environ["TIPLINE_VAR_DIR"] = os.environ.get("BENCH_VAR_DIR", "/tmp/tipline-bench-var")
# DEBUG keeps every SQL statement in memory and changes error handling: never while measuring.
os.environ["DJANGO_DEBUG"] = "false"

from config.settings.test import *  # noqa: E402,F403

# The load client is one address sending thousands of requests a minute; the throttle still
# runs (its cache round trips are part of the cost measured) but never refuses.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"client": "100000000/minute", "receipt": "100000000/minute"},
}
ROOT_URLCONF = "bench.urls"
