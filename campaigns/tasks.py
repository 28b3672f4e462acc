"""Celery shells over campaign functions."""

from __future__ import annotations

from celery import shared_task

from reporting.locks import periodic_lock

from . import broadcast
from .models import Campaign


@shared_task(name="campaigns.tasks.broadcast_campaign", bind=True, acks_late=True, max_retries=None)
def broadcast_campaign(self, campaign_id: int) -> dict[str, int]:  # noqa: ANN001 - Celery's bound task
    """Send what is queued; come back for rows a killed worker left `sending` once they are stale."""
    handled = broadcast.send_queued(campaign_id)
    if broadcast.still_sending(Campaign.objects.get(pk=campaign_id)):
        raise self.retry(countdown=broadcast.stale_claim().total_seconds())
    return {"handled": handled}


@shared_task(name="campaigns.tasks.start_scheduled_broadcasts")
def start_scheduled_broadcasts() -> dict[str, int]:
    """Every minute: plan and start the next round of the approved campaigns whose time has come."""
    with periodic_lock("start-broadcasts", timeout_seconds=120) as acquired:
        if not acquired:
            return {"skipped": 1}
        started = 0
        for campaign in broadcast.due_campaigns():
            if broadcast.start_next_round(campaign) is not None:
                broadcast_campaign.delay(campaign.pk)
                started += 1
        return {"started": started}
