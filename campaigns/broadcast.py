"""Broadcasting an approved campaign to subscribed residents on Telegram (docs/campaigns.md).

1. A campaign goes out in rounds: one, or one every `repeat_every_days` from `send_at`.
   `start_next_round` claims the next round number (only when the previous round finished, so
   never two at once) and plans it in the same transaction.
2. `plan_round` writes one Delivery row per subscribed, reachable resident in the audience for
   the round (idempotent: planning again adds only new subscribers).
3. `send_queued` takes the current round's rows in order. For each: the resident must still be
   subscribed (a /stop in the middle of a send skips them); wait for Telegram's pace (the cap
   overall, one a second per chat); only then claim the row, send, and record the answer.
4. A worker killed between sending and recording leaves a row `sending`. When the campaign's
   task runs again it counts such rows of the round, once stale, as sent-but-unconfirmed and
   never sends them again: a resident may miss a message in that rare case, but never gets it
   twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from reporting.channels import (
    Photo,
    SendResult,
    channel_for,
    send_photo_to_reporter,
    send_to_reporter,
    wait_for_turn,
)
from reporting.models import Channel, Reporter

from .models import Campaign, CampaignStatus, Delivery, DeliveryState
from .texts import caption_and_rest, message_text, text_for


def stale_claim() -> timedelta:
    """A row claimed longer ago than this is no longer being sent by anyone (HTTP times out at 15 s)."""
    return timedelta(seconds=settings.TIPLINE_BROADCAST_STALE_SECONDS)
BATCH = 200
# A 429 on the text that follows a photo is waited out this many times (the photo is out: the
# row is not sent again).
FOLLOW_UP_ATTEMPTS = 5


def audience(campaign: Campaign) -> list[int]:
    residents = Reporter.objects.filter(channel=Channel.TELEGRAM, subscribed=True, forgotten_at=None,
                                        reply_handle__isnull=False)
    if campaign.audience_languages:
        residents = residents.filter(language__in=campaign.audience_languages)
    regions = list(campaign.audience_regions.values_list("pk", flat=True))
    if regions:  # residents whose tips were placed in one of the regions
        residents = residents.filter(tips__region__in=regions).distinct()
    return list(residents.values_list("pk", flat=True))


def _check_broadcastable(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.APPROVED or not campaign.telegram_broadcast:
        raise ValueError("only an approved Telegram campaign is broadcast")


def plan_round(campaign: Campaign, round_number: int) -> int:
    """One row per resident in the audience for this round; returns the round's row count."""
    rows = [Delivery(campaign=campaign, reporter_id=pk, round=round_number) for pk in audience(campaign)]
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return Delivery.objects.filter(campaign=campaign, round=round_number).count()


def start_next_round(campaign: Campaign, now: datetime | None = None) -> int | None:
    """Claim and plan the round after `campaign.broadcast_round`; the round number, or None when
    another caller claimed it first. Claim and plan commit together: a crash leaves neither."""
    _check_broadcastable(campaign)
    following = campaign.broadcast_round + 1
    with transaction.atomic():
        claimed = Campaign.objects.filter(pk=campaign.pk, broadcast_round=campaign.broadcast_round).update(
            broadcast_round=following, broadcast_started_at=now or timezone.now(), broadcast_finished_at=None)
        if not claimed:
            return None
        plan_round(campaign, following)
    campaign.refresh_from_db()
    return following


def plan_broadcast(campaign: Campaign) -> int:
    """Plan the current round (starting round 1 when none has started); planning again adds only
    new subscribers. Returns the round's row count."""
    _check_broadcastable(campaign)
    if campaign.broadcast_round == 0 and start_next_round(campaign) is None:
        campaign.refresh_from_db()  # someone else started round 1 meanwhile: plan theirs
    before = current_rows(campaign).count()
    total = plan_round(campaign, campaign.broadcast_round)
    if total > before:  # new subscribers in a finished round: it is running again, not done
        Campaign.objects.filter(pk=campaign.pk, broadcast_round=campaign.broadcast_round).update(
            broadcast_finished_at=None)
    return total


def campaign_photo(campaign: Campaign) -> Photo:
    """By Telegram's id once one upload succeeded; until then the stored bytes."""
    if campaign.telegram_file_id:
        return Photo(file_id=campaign.telegram_file_id)
    with campaign.image.open("rb") as handle:
        data = handle.read()
    png = campaign.image.name.endswith(".png")
    return Photo(data=data, filename="campaign.png" if png else "campaign.jpg",
                 content_type="image/png" if png else "image/jpeg")


def remember_file_id(campaign: Campaign, file_id: str) -> str:
    """Keep the first upload's id; two workers racing to upload both succeed, the first stored
    wins and both go on with it."""
    Campaign.objects.filter(pk=campaign.pk, telegram_file_id="").update(telegram_file_id=file_id)
    return Campaign.objects.values_list("telegram_file_id", flat=True).get(pk=campaign.pk)


def forget_file_id(campaign: Campaign, file_id: str) -> None:
    """Drop an id Telegram refused; another worker may already have stored a fresh one."""
    Campaign.objects.filter(pk=campaign.pk, telegram_file_id=file_id).update(telegram_file_id="")
    campaign.telegram_file_id = ""


def deliver(campaign: Campaign, reporter: Reporter) -> SendResult:
    """Send the campaign to one resident whose turn has come: the text, or the image with as much
    of the text as fits its caption and then the rest (docs/campaigns.md, "Image")."""
    text = text_for(campaign, reporter.language)
    if not campaign.image:
        return send_to_reporter(reporter, message_text(text), paced=True)
    caption, rest = caption_and_rest(text)
    photo = campaign_photo(campaign)
    result = send_photo_to_reporter(reporter, photo, caption, paced=True)
    if result.photo_id_rejected and photo.file_id:
        # Telegram no longer knows the upload (another bot token, or it expired): upload again,
        # waiting for this chat's turn anew.
        forget_file_id(campaign, photo.file_id)
        result = send_photo_to_reporter(reporter, campaign_photo(campaign), caption)
    if result.file_id and not campaign.telegram_file_id:
        campaign.telegram_file_id = remember_file_id(campaign, result.file_id)
    if not (result.delivered and rest):
        return result
    for _attempt in range(FOLLOW_UP_ATTEMPTS):
        follow_up = send_to_reporter(reporter, rest)  # waits its own turn: one a second per chat
        if follow_up.retry_after is None:
            break
        time.sleep(follow_up.retry_after)
    return SendResult(delivered=True, error="" if follow_up.delivered else f"text after the photo: {follow_up.error}")


def current_rows(campaign: Campaign) -> QuerySet[Delivery]:
    return Delivery.objects.filter(campaign=campaign, round=campaign.broadcast_round)


def recover_stale(campaign: Campaign) -> int:
    cutoff = timezone.now() - stale_claim()
    return current_rows(campaign).filter(state=DeliveryState.SENDING, claimed_at__lt=cutoff).update(
        state=DeliveryState.UNCONFIRMED, error="worker stopped after sending")


def still_sending(campaign: Campaign) -> bool:
    """Rows of the round claimed and not recorded: a worker is at them, or died there."""
    return current_rows(campaign).filter(state=DeliveryState.SENDING).exists()


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
    result = deliver(campaign, reporter)
    if result.delivered:
        state, error = DeliveryState.SENT, result.error
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
        if not Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.APPROVED).exists():
            return handled  # cancelled, or changed since its approval: what is queued waits
        batch = list(current_rows(campaign).filter(state=DeliveryState.QUEUED).order_by("id")[:BATCH])
        if not batch:
            break
        for delivery in batch:
            if send_one(campaign, delivery):
                handled += 1
    if not current_rows(campaign).filter(state__in=[DeliveryState.QUEUED, DeliveryState.SENDING]).exists():
        Campaign.objects.filter(pk=campaign.pk, broadcast_round=campaign.broadcast_round,
                                broadcast_finished_at=None).update(broadcast_finished_at=timezone.now())
    return handled


@dataclass(frozen=True)
class Progress:
    """The current round's figures."""

    round: int
    rounds_sent: int
    running: bool
    total: int
    sent: int
    failed: int
    skipped: int
    left: int
    per_second: float | None
    seconds_left: float | None


def progress(campaign: Campaign) -> Progress:
    counts = dict(current_rows(campaign).values_list("state").annotate(n=Count("id")))
    sent = counts.get(DeliveryState.SENT, 0) + counts.get(DeliveryState.UNCONFIRMED, 0)
    left = counts.get(DeliveryState.QUEUED, 0) + counts.get(DeliveryState.SENDING, 0)
    rate = None
    if campaign.broadcast_started_at and sent:
        end = campaign.broadcast_finished_at or timezone.now()
        rate = sent / max((end - campaign.broadcast_started_at).total_seconds(), 1e-3)
    finished = campaign.broadcast_finished_at is not None
    return Progress(round=campaign.broadcast_round,
                    rounds_sent=campaign.broadcast_round if finished else max(0, campaign.broadcast_round - 1),
                    running=campaign.broadcast_round > 0 and not finished, total=sum(counts.values()), sent=sent,
                    failed=counts.get(DeliveryState.FAILED, 0), skipped=counts.get(DeliveryState.SKIPPED, 0),
                    left=left, per_second=rate, seconds_left=left / rate if rate else None)


def progress_figures(figures: Progress) -> dict[str, object]:
    """The figures as plain JSON values (the admin's live progress polls these)."""
    return {
        "round": figures.round, "rounds_sent": figures.rounds_sent, "running": figures.running,
        "total": figures.total, "sent": figures.sent, "failed": figures.failed, "skipped": figures.skipped,
        "left": figures.left,
        "rate": round(figures.per_second, 1) if figures.per_second else None,
        "eta_seconds": round(figures.seconds_left) if figures.seconds_left is not None else None,
    }


def recipients(campaign: Campaign) -> int:
    """Residents the campaign reached in any round, each counted once."""
    reached = Delivery.objects.filter(campaign=campaign, state__in=[DeliveryState.SENT, DeliveryState.UNCONFIRMED])
    return reached.values("reporter").distinct().count()


def opted_out(campaign: Campaign) -> int:
    """Recipients who are no longer subscribed (/stop, /forgetme, or a blocked bot)."""
    return Delivery.objects.filter(campaign=campaign, reporter__subscribed=False).values("reporter").distinct().count()


def next_round_due(campaign: Campaign) -> datetime | None:
    """When the next round is due: `send_at` for the first; for a repeating campaign, the first
    slot `send_at + k × period` after the current round started (k ≥ 1), so rounds missed while
    nothing ran are not sent in a burst afterwards. None: no further round."""
    if campaign.broadcast_round == 0:
        return campaign.send_at
    if not campaign.repeat_every_days or campaign.send_at is None or campaign.broadcast_started_at is None:
        return None
    period = timedelta(days=campaign.repeat_every_days)
    slots_passed = (campaign.broadcast_started_at - campaign.send_at) // period
    return campaign.send_at + max(1, slots_passed + 1) * period


def due_campaigns(now: datetime | None = None) -> list[Campaign]:
    """Approved Telegram campaigns whose next round's time has come; a round is due only once the
    previous one finished."""
    now = now or timezone.now()
    candidates = Campaign.objects.filter(status=CampaignStatus.APPROVED, telegram_broadcast=True, send_at__lte=now)
    candidates = candidates.filter(Q(broadcast_round=0) | Q(repeat_every_days__isnull=False,
                                                             broadcast_finished_at__isnull=False))
    return [campaign for campaign in candidates if (due := next_round_due(campaign)) is not None and due <= now]
