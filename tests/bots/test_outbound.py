"""Sending to a resident from a worker: Telegram's limits, a blocked bot, an unreadable handle."""

from __future__ import annotations

import pytest

from bots.telegram.transport import TelegramChannel, send_message
from reporting.channels import send_to_reporter
from reporting.intake import TipSubmission, submit_tip
from reporting.models import DeliveryState, Message, Reporter, Tip
from reporting.notices import ask_reporter, deliver_message

from .conftest import Bot
from .residents import Resident
from .test_conversations import send_a_report

pytestmark = pytest.mark.django_db


def test_a_429_is_handed_back_with_its_retry_after_and_the_message_stays_pending(bot: Bot) -> None:
    layla = Resident(444_000_001)
    tip = send_a_report(bot, layla)
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    question = ask_reporter(tip, "Which road did they take?")
    result = deliver_message(question.pk)
    assert result is not None and result.retry_after == 7 and not result.delivered
    assert Message.objects.get(pk=question.pk).delivery_state == DeliveryState.PENDING
    assert deliver_message(question.pk).delivered  # the task's retry
    assert Message.objects.get(pk=question.pk).delivery_state == DeliveryState.SENT


def test_a_resident_who_blocked_the_bot_is_unreachable_and_the_message_fails_with_the_reason(bot: Bot) -> None:
    layla = Resident(444_000_002)
    tip = send_a_report(bot, layla)
    bot.api.blocked_chats.add(layla.chat_id)
    question = ask_reporter(tip, "Which road did they take?")
    result = deliver_message(question.pk)
    assert result is not None and result.unreachable
    failed = Message.objects.get(pk=question.pk)
    assert failed.delivery_state == DeliveryState.FAILED and "blocked" in failed.failure_reason


def test_a_handle_no_key_opens_is_unreachable_without_a_call(bot: Bot) -> None:
    reporter = Reporter.objects.create(pseudonym="R-TEST0001", channel="telegram", reply_handle=b"gAAAA-not-a-token")
    result = TelegramChannel().send_text(reporter, "hello")
    assert result.unreachable and not bot.api.calls_to("sendMessage")


def test_a_web_reporter_has_no_channel_and_reads_messages_on_the_status_page(bot: Bot) -> None:
    reporter = Reporter.objects.create(pseudonym="R-TEST0002", channel="web")
    assert send_to_reporter(reporter, "hello").unreachable
    submitted = submit_tip(TipSubmission(text="A boat lands at the north beach every Tuesday night", channel="web"))
    message = ask_reporter(Tip.objects.get(pk=submitted.tip_id), "Which beach exactly?")
    assert message.delivery_state == DeliveryState.ON_REQUEST
    assert deliver_message(message.pk) is None


def test_sends_to_one_chat_are_spaced_a_second_apart(bot: Bot) -> None:
    for _ in range(3):
        assert send_message(555_000_001, "paced").delivered
    times = [call.at for call in bot.api.calls_to("sendMessage")]
    # Telegram allows about one message a second per chat: the gaps are whole cache seconds.
    assert all(later - earlier >= 0.5 for earlier, later in zip(times, times[1:], strict=False))


def test_the_sweeper_takes_messages_whose_publish_was_lost_but_not_ones_still_retrying(bot: Bot) -> None:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from reporting.intake import record_status_change
    from reporting.models import TipStatus
    from reporting.notices import undelivered

    layla = Resident(444_000_003)
    tip = send_a_report(bot, layla)
    fresh = ask_reporter(tip, "Still retrying?")
    lost = ask_reporter(tip, "Was the publish lost?")
    Message.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    with transaction.atomic():
        event = record_status_change(tip, TipStatus.VERIFIED, actor_label="caseworker")
        tip.save()
    message_ids, event_ids = undelivered()
    assert message_ids == [lost.pk] and fresh.pk not in message_ids
    assert event_ids == [event.pk]
