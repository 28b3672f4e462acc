"""The bot under test: the real webhook view, the real Application, a stand-in Bot API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from bots.telegram.application import build_application
from bots.telegram.consumer import process_pending
from bots.telegram.transport import TelegramChannel
from reporting.channels import register_channel, unregister_channel

from .standin import BotApiStandIn

TOKEN = "123456:TEST-token"
SECRET = "webhook-secret-for-tests"


class Bot:
    """Drives the bot the way production does: POST to the webhook, then the bot process runs."""

    def __init__(self, standin: BotApiStandIn) -> None:
        self.api = standin
        self.client = Client()

    def post(self, update: dict[str, Any], secret: str = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return self.client.post("/telegram/webhook/", update, content_type="application/json", headers=headers).status_code

    def run(self) -> int:
        """One round of the bot process; each round starts the Application afresh, as after a
        restart, so conversation states come back from the database every time."""
        return async_to_sync(self._run)()

    async def _run(self) -> int:
        async with build_application() as application:
            return await process_pending(application)

    def send(self, *updates: dict[str, Any]) -> None:
        for update in updates:
            assert self.post(update) == 200
        self.run()


@pytest.fixture
def bot_api() -> Iterator[BotApiStandIn]:
    standin = BotApiStandIn(token=TOKEN)
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def bot(bot_api: BotApiStandIn, settings: Any, db: None) -> Iterator[Bot]:
    assert bot_api.server is not None
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.TELEGRAM_API_BASE_URL = f"http://127.0.0.1:{bot_api.server.server_port}"
    register_channel(TelegramChannel())
    yield Bot(bot_api)
    unregister_channel("telegram")
