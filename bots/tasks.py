"""Celery shells over bots functions."""

from __future__ import annotations

from celery import shared_task

from reporting.locks import periodic_lock

from .telegram.drafts import purge_old_drafts
from .telegram.residents import forget_idle_residents
from .telegram.updates import purge_old_updates


@shared_task(name="bots.tasks.purge_telegram_updates")
def purge_telegram_updates() -> dict[str, int]:
    with periodic_lock("purge-telegram", timeout_seconds=600) as acquired:
        if not acquired:
            return {"skipped": 1}
        return {"updates": purge_old_updates()["deleted"], "drafts": purge_old_drafts()["deleted"],
                "residents_forgotten": forget_idle_residents()}
