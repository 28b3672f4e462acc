"""The beat job starts a repeating campaign's rounds through a real Celery worker: the second
round reaches everyone once (a resident who subscribed since too), and running the job twice
sends nobody a round twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Delivery
from campaigns.tasks import start_scheduled_broadcasts
from tests.bots.standin import BotApiStandIn
from tests.campaigns.test_broadcast import approved_campaign, subscribers
from tests.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FIRST_CHAT = 760_000_000


def finished(campaign: Campaign, round_number: int) -> bool:
    campaign.refresh_from_db()
    return campaign.broadcast_round == round_number and campaign.broadcast_finished_at is not None


def test_the_second_round_reaches_everyone_once_when_the_beat_job_runs_twice(
    celery_worker: str, worker_bot_api: BotApiStandIn
) -> None:
    subscribers(3, first_chat=FIRST_CHAT)
    campaign = approved_campaign(code="river-weekly", send_at=timezone.now() - timedelta(minutes=1),
                                 repeat_every_days=7)
    assert start_scheduled_broadcasts() == {"started": 1}
    assert start_scheduled_broadcasts() == {"started": 0}  # round 1 is running, or done until next week
    wait_until(lambda: finished(campaign, 1), timeout=60)

    # A week on (round 1's start moved back a week), with one more subscriber.
    Campaign.objects.filter(pk=campaign.pk).update(broadcast_started_at=campaign.send_at + timedelta(minutes=1)
                                                   - timedelta(days=7),
                                                   send_at=campaign.send_at - timedelta(days=7))
    subscribers(1, first_chat=FIRST_CHAT + 3)
    assert start_scheduled_broadcasts() == {"started": 1}
    assert start_scheduled_broadcasts() == {"started": 0}
    wait_until(lambda: finished(campaign, 2), timeout=60)
    assert start_scheduled_broadcasts() == {"started": 0}

    ours = {str(FIRST_CHAT + n) for n in range(4)}
    received = Counter(str(c.params["chat_id"]) for c in worker_bot_api.calls_to("sendMessage")
                       if str(c.params["chat_id"]) in ours)
    assert received == {str(FIRST_CHAT): 2, str(FIRST_CHAT + 1): 2, str(FIRST_CHAT + 2): 2, str(FIRST_CHAT + 3): 1}
    assert Counter(Delivery.objects.filter(campaign=campaign).values_list("round", flat=True)) == {1: 3, 2: 4}
