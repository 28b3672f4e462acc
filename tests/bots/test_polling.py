"""`runbot --polling`: getUpdates results are stored exactly as the webhook stores them."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from bots.models import TelegramUpdate
from bots.telegram.application import build_application
from bots.telegram.polling import fetch_forever

from .conftest import Bot
from .residents import Resident

pytestmark = pytest.mark.django_db


async def _poll_until_stored(count: int) -> None:
    stop = asyncio.Event()
    async with build_application() as application:
        fetching = asyncio.create_task(fetch_forever(application, stop))
        for _ in range(200):
            if await sync_to_async(TelegramUpdate.objects.count)() >= count:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await fetching


def test_polled_updates_are_stored_once_and_handled_like_webhook_ones(bot: Bot) -> None:
    ana = Resident(666_000_001)
    updates = [ana.command("help"), ana.command("mytips")]
    bot.api.updates.extend(updates)
    async_to_sync(_poll_until_stored)(2)
    assert sorted(TelegramUpdate.objects.values_list("update_id", flat=True)) == [u["update_id"] for u in updates]
    assert bot.api.calls_to("deleteWebhook")  # polling and a webhook cannot both be set
    offsets = [call.params.get("offset") for call in bot.api.calls_to("getUpdates")]
    assert int(offsets[-1]) == updates[-1]["update_id"] + 1  # what is stored is confirmed to Telegram
    bot.run()
    assert len(bot.api.texts_to(ana.chat_id)) == 2
