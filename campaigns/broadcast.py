"""Broadcasting an approved campaign to subscribed residents on Telegram (docs/campaigns.md).

1. `plan_broadcast` writes one Delivery row per subscribed, reachable resident in the audience
   (idempotent: planning again adds only new subscribers).
2. `send_queued` takes rows in order. For each: the resident must still be subscribed (a /stop
   in the middle of a send skips them); wait for Telegram's pace (the cap overall, one a second
   per chat); only then claim the row, send, and record the answer.
3. A worker killed between sending and recording leaves a row `sending`. When the campaign's
   task runs again it counts such rows, once stale, as sent-but-unconfirmed and never sends
   them again: a resident may miss a message in that rare case, but never gets it twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from reporting.channels import channel_for, send_to_reporter, wait_for_turn
from reporting.models import Channel, Reporter

from .models import Campaign, CampaignStatus, Delivery, DeliveryState
from .texts import text_for


def stale_claim() -> timedelta:
    """A row claimed longer ago than this is no longer being sent by anyone (HTTP times out at 15 s)."""
    return timedelta(seconds=settings.TIPLINE_BROADCAST_STALE_SECONDS)
BATCH = 200


def audience(campaign: Campaign) -> list[int]:
    residents = Reporter.objects.filter(channel=Channel.TELEGRAM, subscribed=True, forgotten_at=None,
                                        reply_handle__isnull=False)
    if campaign.audience_languages:
        residents = residents.filter(language__in=campaign.audience_languages)
    regions = list(campaign.audience_regions.values_list("pk", flat=True))
    if regions:  # residents whose tips were placed in one of the regions
        residents = residents.filter(tips__region__in=regions).distinct()
    return list(residents.values_list("pk", flat=True))


def plan_broadcast(campaign: Campaign) -> int:
    if campaign.status != CampaignStatus.APPROVED or not campaign.telegram_broadcast:
        raise ValueError("only an approved Telegram campaign is broadcast")
    rows = [Delivery(campaign=campaign, reporter_id=pk) for pk in audience(campaign)]
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    Campaign.objects.filter(pk=campaign.pk, broadcast_started_at=None).update(broadcast_started_at=timezone.now())
    return Delivery.objects.filter(campaign=campaign).count()


def message_for(campaign: Campaign, reporter: Reporter) -> str:
    text = text_for(campaign, reporter.language)
    return f"{text.title}\n\n{text.body}"


def recover_stale(campaign: Campaign) -> int:
    cutoff = timezone.now() - stale_claim()
    return Delivery.objects.filter(campaign=campaign, state=DeliveryState.SENDING, claimed_at__lt=cutoff).update(
        state=DeliveryState.UNCONFIRMED, error="worker stopped after sending")


def send_one(campaign: Campaign, delivery: Delivery) -> str:
    """Returns the row's new state."""
    reporter = Reporter.objects.get(pk=delivery.reporter_id)
    if not reporter.subscribed or reporter.forgotten_at is not None:
        Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.QUEUED).update(state=DeliveryState.SKIPPED)
        return DeliveryState.SKIPPED
    wait_for_turn(reporter)
    claimed = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.QUEUED).update(
        state=DeliveryState.SENDING, claimed_at=timezone.now())
    if not claimed:
        return ""  # another worker has it
    result = send_to_reporter(reporter, message_for(campaign, reporter), paced=True)
    if result.delivered:
        state, error = DeliveryState.SENT, ""
    elif result.retry_after is not None:
        Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.QUEUED, claimed_at=None)
        time.sleep(result.retry_after)  # Telegram said when; everyone waits, this row goes again
        return DeliveryState.QUEUED
    else:
        state, error = DeliveryState.FAILED, result.error
        if result.unreachable:  # blocked the bot, or forgot themselves: stop writing to them
            Reporter.objects.filter(pk=reporter.pk).update(subscribed=False)
    Delivery.objects.filter(pk=delivery.pk).update(state=state, error=error[:200], sent_at=timezone.now())
    return state


def send_queued(campaign_id: int, deadline: float | None = None) -> int:
    """Send until nothing is queued (or the deadline passes); returns how many were handled.

    Refuses to start without a Telegram channel (no token in this process): every send would
    look "unreachable" and unsubscribe every resident.
    """
    if channel_for(Reporter(channel=Channel.TELEGRAM)) is None:
        raise RuntimeError("no Telegram channel in this process: is TELEGRAM_BOT_TOKEN set for the worker?")
    campaign = Campaign.objects.get(pk=campaign_id)
    recover_stale(campaign)
    handled = 0
    while deadline is None or time.monotonic() < deadline:
        batch = list(Delivery.objects.filter(campaign=campaign, state=DeliveryState.QUEUED).order_by("id")[:BATCH])
        if not batch:
            break
        for delivery in batch:
            if send_one(campaign, delivery):
                handled += 1
    if not Delivery.objects.filter(campaign=campaign, state__in=[DeliveryState.QUEUED, DeliveryState.SENDING]).exists():
        Campaign.objects.filter(pk=campaign.pk, broadcast_finished_at=None).update(
            broadcast_finished_at=timezone.now())
    return handled


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    skipped: int
    left: int
    per_second: float | None
    seconds_left: float | None


def progress(campaign: Campaign) -> Progress:
    counts = dict(Delivery.objects.filter(campaign=campaign).values_list("state").annotate(n=Count("id")))
    sent = counts.get(DeliveryState.SENT, 0) + counts.get(DeliveryState.UNCONFIRMED, 0)
    left = counts.get(DeliveryState.QUEUED, 0) + counts.get(DeliveryState.SENDING, 0)
    rate = None
    if campaign.broadcast_started_at and sent:
        end = campaign.broadcast_finished_at or timezone.now()
        rate = sent / max((end - campaign.broadcast_started_at).total_seconds(), 1e-3)
    return Progress(total=sum(counts.values()), sent=sent, failed=counts.get(DeliveryState.FAILED, 0),
                    skipped=counts.get(DeliveryState.SKIPPED, 0), left=left, per_second=rate,
                    seconds_left=left / rate if rate else None)


def opted_out(campaign: Campaign) -> int:
    """Recipients who are no longer subscribed (/stop, /forgetme, or a blocked bot)."""
    return Delivery.objects.filter(campaign=campaign, reporter__subscribed=False).count()


def due_campaigns(now: datetime | None = None) -> list[Campaign]:
    """Approved Telegram campaigns whose time has come and whose broadcast has not started."""
    return list(Campaign.objects.filter(status=CampaignStatus.APPROVED, telegram_broadcast=True,
                                        broadcast_started_at=None, send_at__lte=now or timezone.now()))
