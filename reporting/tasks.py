"""Celery shells over reporting functions."""

from __future__ import annotations

from celery import shared_task

from .attachments import purge_stale_quarantine as purge
from .locks import periodic_lock


@shared_task(name="reporting.tasks.purge_stale_quarantine")
def purge_stale_quarantine() -> dict[str, int]:
    with periodic_lock("purge-quarantine", timeout_seconds=600) as acquired:
        return purge() if acquired else {"skipped": 1}
