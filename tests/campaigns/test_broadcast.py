"""Broadcasting a campaign to subscribed residents through the Bot API stand-in: each in their
language, paced, /stop honoured mid-send, blocked bots unsubscribed, 429s waited out."""

from __future__ import annotations

import pytest

from campaigns.broadcast import plan_broadcast, progress, send_queued, stale_claim
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryState
from campaigns.texts import write_language
from reporting.models import Reporter
from reporting.privacy import encrypt_handle, new_pseudonym
from tests.bots.conftest import Bot

pytestmark = pytest.mark.django_db

EN = ("Smuggling of people: what to look for", "Vans with covered windows at night. Report it safely.")
ES = ("Tráfico de personas: qué observar", "Camionetas con ventanas tapadas de noche. Denúncielo con seguridad.")


def subscribers(count: int, language: str = "en", first_chat: int = 700_000_000) -> list[Reporter]:
    residents = [Reporter(pseudonym=new_pseudonym(), channel="telegram", subscribed=True, language=language,
                          reply_handle=encrypt_handle(str(first_chat + n))) for n in range(count)]
    return Reporter.objects.bulk_create(residents)


def approved_campaign(code: str = "river", **fields: object) -> Campaign:
    campaign = Campaign(code=code, status=CampaignStatus.APPROVED, **fields)
    write_language(campaign, "en", *EN)
    write_language(campaign, "es", *ES)
    campaign.save()
    return campaign


def test_everyone_subscribed_gets_it_once_in_their_language(bot: Bot, fast: None) -> None:
    subscribers(3, "en")
    subscribers(2, "es", first_chat=710_000_000)
    subscribers(1, "fr", first_chat=720_000_000)  # no French text: the base language
    Reporter.objects.create(pseudonym="R-NOTSUB01", channel="telegram", subscribed=False,
                            reply_handle=encrypt_handle("730000000"))
    campaign = approved_campaign()
    assert plan_broadcast(campaign) == 6
    assert plan_broadcast(campaign) == 6  # planning again adds nobody twice
    send_queued(campaign.pk)
    assert bot.api.texts_to(710_000_000) == [f"{ES[0]}\n\n{ES[1]}"]
    assert bot.api.texts_to(720_000_000) == [f"{EN[0]}\n\n{EN[1]}"]
    assert len(bot.api.calls_to("sendMessage")) == 6 and not bot.api.texts_to(730_000_000)
    figures = progress(Campaign.objects.get(pk=campaign.pk))
    assert (figures.total, figures.sent, figures.left) == (6, 6, 0)
    assert Campaign.objects.get(pk=campaign.pk).broadcast_finished_at is not None


def test_the_audience_can_be_limited_to_languages(bot: Bot, fast: None) -> None:
    subscribers(2, "en")
    subscribers(2, "es", first_chat=710_000_000)
    assert plan_broadcast(approved_campaign(audience_languages=["es"])) == 2


def test_a_stop_in_the_middle_of_a_send_is_honoured(bot: Bot, fast: None) -> None:
    residents = subscribers(4)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    Reporter.objects.filter(pk=residents[2].pk).update(subscribed=False)  # /stop after planning
    send_queued(campaign.pk)
    assert not bot.api.texts_to(700_000_002)
    assert Delivery.objects.get(reporter=residents[2]).state == DeliveryState.SKIPPED


def test_a_resident_who_blocked_the_bot_is_unsubscribed(bot: Bot, fast: None) -> None:
    residents = subscribers(3)
    bot.api.blocked_chats.add(700_000_001)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    send_queued(campaign.pk)
    failed = Delivery.objects.get(reporter=residents[1])
    assert failed.state == DeliveryState.FAILED and "blocked" in failed.error
    assert not Reporter.objects.get(pk=residents[1].pk).subscribed
    assert progress(campaign).sent == 2


def test_a_429_is_waited_out_and_nobody_gets_it_twice(bot: Bot, fast: None) -> None:
    subscribers(3)
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    send_queued(campaign.pk)
    calls = bot.api.calls_to("sendMessage")
    assert len(calls) == 4  # the refused one, then all three
    assert calls[1].at - calls[0].at >= 1.0  # waited retry_after before anything else
    assert sorted(str(c.params["chat_id"]) for c in calls[1:]) == ["700000000", "700000001", "700000002"]


def test_a_row_left_sending_by_a_dead_worker_is_never_sent_again(bot: Bot, fast: None) -> None:
    from django.utils import timezone

    residents = subscribers(2)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    Delivery.objects.filter(reporter=residents[0]).update(state=DeliveryState.SENDING,
                                                          claimed_at=timezone.now() - 2 * stale_claim())
    send_queued(campaign.pk)
    assert not bot.api.texts_to(700_000_000) and len(bot.api.texts_to(700_000_001)) == 1
    assert Delivery.objects.get(reporter=residents[0]).state == DeliveryState.UNCONFIRMED


def test_the_campaign_page_shows_progress_tips_per_thousand_and_opt_outs(bot: Bot, fast: None, supervisor) -> None:  # noqa: ANN001
    from campaigns.broadcast import opted_out
    from reporting.intake import TipSubmission, submit_tip

    residents = subscribers(4)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    send_queued(campaign.pk)
    Reporter.objects.filter(pk=residents[0].pk).update(subscribed=False)  # a /stop afterwards
    submit_tip(TipSubmission(text="A van with covered windows at the ford again tonight", channel="telegram",
                             reporter=residents[1], issue_receipt=False, campaign_code="river"))
    assert opted_out(campaign) == 1
    page = supervisor.get(f"/en/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert "4 of 4 sent" in page and "1 tips (250.0 per 1,000 recipients)" in page and "1 recipients have since" in page


def test_a_scheduled_campaign_is_due_once_its_time_has_come(bot: Bot, fast: None) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from campaigns.broadcast import due_campaigns

    later = approved_campaign(send_at=timezone.now() + timedelta(hours=2))
    assert due_campaigns() == []
    assert due_campaigns(timezone.now() + timedelta(hours=3)) == [later]
    subscribers(1)
    plan_broadcast(later)  # started: not due again
    assert due_campaigns(timezone.now() + timedelta(hours=3)) == []


def test_the_audience_can_be_limited_to_regions_through_residents_tips(bot: Bot, fast: None) -> None:
    from reporting.intake import TipSubmission, submit_tip
    from reporting.models import Region

    north = Region.objects.create(code="north", names={"en": "North"}, min_latitude=30, max_latitude=33,
                                  min_longitude=-110, max_longitude=-100)
    in_north, elsewhere, no_tips = subscribers(3)
    for resident, latitude in ((in_north, 31.5), (elsewhere, 12.0)):
        submit_tip(TipSubmission(text="A van with covered windows at the river crossing", channel="telegram",
                                 reporter=resident, issue_receipt=False, latitude=latitude, longitude=-105.0))
    campaign = approved_campaign()
    campaign.audience_regions.add(north)
    assert plan_broadcast(campaign) == 1
    assert Delivery.objects.get().reporter == in_north


def test_without_a_telegram_channel_the_broadcast_refuses_and_unsubscribes_nobody(db: None) -> None:
    subscribers(2)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    with pytest.raises(RuntimeError):
        send_queued(campaign.pk)
    assert Reporter.objects.filter(subscribed=True).count() == 2
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.QUEUED}
