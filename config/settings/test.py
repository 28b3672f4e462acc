"""The test suite: real PostgreSQL and Redis (see tests/conftest.py for the worker)."""

from __future__ import annotations

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tipline")
# Databases 14 (cache) and 15 (broker) keep test traffic away from a developer's own data on
# the same server; separate, so clearing the cache between tests never drops queued tasks.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault(
    "CELERY_BROKER_URL", os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/15"
)
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret-" + "y" * 40)
os.environ.setdefault("TIPLINE_HMAC_KEY", "test-only-hmac-key")
os.environ.setdefault("TIPLINE_HANDLE_KEYS", "dGVzdC1vbmx5LWZlcm5ldC1rZXktMzItYnl0ZXMtLS0=")
os.environ.setdefault("TIPLINE_VAR_DIR", "/tmp/tipline-test-var")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast staff logins in tests
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
