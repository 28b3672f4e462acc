"""Local development: `make run` on a bare machine (SQLite file, filesystem broker)."""

from __future__ import annotations

import os

# Development-only secrets, so that a fresh clone runs with no setup. production.py has none.
os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret-" + "x" * 32)
os.environ.setdefault("TIPLINE_HMAC_KEY", "local-development-only-hmac-key")
os.environ.setdefault("TIPLINE_HANDLE_KEYS", "bG9jYWwtZGV2ZWxvcG1lbnQtb25seS1mZXJuZXQta2U=")
os.environ.setdefault("DJANGO_DEBUG", "true")

from .base import *  # noqa: E402,F403

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Without REDIS_URL the cache is per process: django-axes warns that its counts are then per
# process too. Fine for one developer's runserver; production requires REDIS_URL.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "axes.W001"]  # noqa: F405
