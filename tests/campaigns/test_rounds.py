"""A repeating campaign goes out in rounds: every N days from its send time, each round to
everyone in the audience once, never two rounds at once, and a cancel or an emptied repeat
field stops further rounds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.actions import cancel
from campaigns.broadcast import (
    due_campaigns,
    next_round_due,
    plan_round,
    progress,
    send_queued,
    stale_claim,
    start_next_round,
)
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryState
from tests.bots.conftest import Bot

from .test_broadcast import approved_campaign, subscribers

pytestmark = pytest.mark.django_db


def weekly(send_at_days_ago: float = 0) -> Campaign:
    return approved_campaign(send_at=timezone.now() - timedelta(days=send_at_days_ago, minutes=1),
                             repeat_every_days=7)


def test_the_next_round_is_due_every_n_days_from_send_at_once_the_last_finished(bot: Bot, fast: None) -> None:
    subscribers(2)
    campaign = weekly()
    assert due_campaigns() == [campaign]
    assert start_next_round(campaign) == 1
    assert due_campaigns(timezone.now() + timedelta(days=8)) == []  # round 1 still running
    send_queued(campaign.pk)
    campaign.refresh_from_db()
    assert next_round_due(campaign) == campaign.send_at + timedelta(days=7)
    assert due_campaigns(timezone.now() + timedelta(days=6)) == []
    assert due_campaigns(timezone.now() + timedelta(days=8)) == [campaign]


def test_rounds_missed_while_nothing_ran_are_not_sent_in_a_burst(db: None) -> None:
    campaign = weekly(send_at_days_ago=30)  # started late: slots on days 7, 14, 21 and 28 passed
    start_next_round(campaign)
    assert next_round_due(campaign) == campaign.send_at + timedelta(days=35)


def test_a_round_is_claimed_once_and_planning_it_again_adds_nobody(bot: Bot, fast: None) -> None:
    subscribers(3)
    campaign = weekly()
    stale_copy = Campaign.objects.get(pk=campaign.pk)
    assert start_next_round(campaign) == 1
    assert start_next_round(stale_copy) is None  # a second beat run with what it read before
    assert plan_round(campaign, 1) == 3 and Delivery.objects.count() == 3


def test_each_round_goes_to_everyone_once_and_a_dead_workers_row_counts_only_in_its_round(
    bot: Bot, fast: None
) -> None:
    residents = subscribers(3)
    campaign = weekly()
    start_next_round(campaign)
    send_queued(campaign.pk)
    campaign.refresh_from_db()
    assert start_next_round(campaign) == 2
    Delivery.objects.filter(round=2, reporter=residents[0]).update(
        state=DeliveryState.SENDING, claimed_at=timezone.now() - 2 * stale_claim())  # killed after sending
    send_queued(campaign.pk)
    assert [len(bot.api.texts_to(700_000_000 + n)) for n in range(3)] == [1, 2, 2]
    assert Delivery.objects.get(round=1, reporter=residents[0]).state == DeliveryState.SENT
    assert Delivery.objects.get(round=2, reporter=residents[0]).state == DeliveryState.UNCONFIRMED
    figures = progress(Campaign.objects.get(pk=campaign.pk))
    assert (figures.round, figures.rounds_sent, figures.sent, figures.total, figures.running) == (2, 2, 3, 3, False)


def test_a_cancel_or_an_emptied_repeat_field_stops_further_rounds(bot: Bot, fast: None, django_user_model) -> None:  # noqa: ANN001
    subscribers(1)
    sam = django_user_model.objects.create_superuser("sam", password="s" * 12)
    later = timezone.now() + timedelta(days=8)
    for stop in ("cancel", "clear"):
        campaign = approved_campaign(code=f"river-{stop}", send_at=timezone.now() - timedelta(minutes=1),
                                     repeat_every_days=7)
        start_next_round(campaign)
        send_queued(campaign.pk)
        assert campaign in due_campaigns(later)
        if stop == "cancel":
            cancel(campaign, sam)
            assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.CANCELLED
        else:
            Campaign.objects.filter(pk=campaign.pk).update(repeat_every_days=None)
        assert campaign not in due_campaigns(later)
