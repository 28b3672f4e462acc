"""Through the bot with a real worker: the tip is triaged like a web tip, a caseworker's
question and a status notice go out from the worker, and the resident's answer lands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from bots.telegram.transport import TelegramChannel
from reporting.channels import register_channel, unregister_channel
from reporting.intake import record_status_change
from reporting.models import DeliveryState, Message, MessageDirection, Tip, TipStatus
from reporting.notices import ask_reporter
from tests.bots.conftest import SECRET, TOKEN, Bot
from tests.bots.residents import Resident
from tests.bots.standin import BotApiStandIn
from tests.bots.test_conversations import send_a_report
from tests.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_bot(worker_bot_api: BotApiStandIn, settings: Any) -> Iterator[Bot]:
    assert worker_bot_api.server is not None
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.TELEGRAM_API_BASE_URL = f"http://127.0.0.1:{worker_bot_api.server.server_port}"
    register_channel(TelegramChannel())  # as BotsConfig.ready() does when the token is set at start
    yield Bot(worker_bot_api)
    unregister_channel("telegram")


def test_a_bot_report_is_triaged_and_the_caseworker_and_resident_talk_through_the_worker(
    worker_bot: Bot, celery_worker: str
) -> None:
    # No classifier promoted here: the worker caches the active one for a minute, and the
    # triage tests after this one promote their own (without one, triage still completes).
    sara = Resident(555_000_001, "pt")
    worker_bot.send(sara.command("start"), sara.press("lang:pt"))
    tip = send_a_report(worker_bot, sara, "Um caminhão branco com pessoas trancadas atravessa a ponte do rio toda noite")
    wait_until(lambda: Tip.objects.get(pk=tip.pk).status == TipStatus.TRIAGED, timeout=30)
    assert Tip.objects.get(pk=tip.pk).detected_language == "pt"

    with transaction.atomic():  # as the admin does: the worker sends after the commit
        question = ask_reporter(tip, "Qual era a placa?")
    sent = wait_until(lambda: Message.objects.filter(pk=question.pk, delivery_state=DeliveryState.SENT).first())
    assert "Qual era a placa?" in worker_bot.api.last_text_to(sara.chat_id)

    worker_bot.send(sara.text("ABC1D23", reply_to=int(sent.platform_message_id)))
    assert Message.objects.get(tip=tip, direction=MessageDirection.FROM_REPORTER).body == "ABC1D23"

    with transaction.atomic():
        tip = Tip.objects.select_for_update().get(pk=tip.pk)
        record_status_change(tip, TipStatus.VERIFIED, actor_label="caseworker")
        tip.save()
    wait_until(lambda: tip.events.filter(to_status=TipStatus.VERIFIED, reporter_notified_at__isnull=False).exists())
    wait_until(lambda: tip.reference in worker_bot.api.last_text_to(sara.chat_id)
               and "Qual" not in worker_bot.api.last_text_to(sara.chat_id))
