"""Celery shells over campaign functions."""

from __future__ import annotations

from celery import shared_task

from . import broadcast
from .models import Campaign, Delivery, DeliveryState


@shared_task(name="campaigns.tasks.broadcast_campaign", bind=True, acks_late=True, max_retries=None)
def broadcast_campaign(self, campaign_id: int) -> dict[str, int]:  # noqa: ANN001 - Celery's bound task
    """Send what is queued; come back for rows a killed worker left `sending` once they are stale."""
    handled = broadcast.send_queued(campaign_id)
    campaign = Campaign.objects.get(pk=campaign_id)
    if Delivery.objects.filter(campaign=campaign, state=DeliveryState.SENDING).exists():
        raise self.retry(countdown=broadcast.stale_claim().total_seconds())
    return {"handled": handled}
