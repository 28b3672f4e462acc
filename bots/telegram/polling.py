"""Development without a public address: fetch updates with getUpdates and store them exactly as
the webhook would, so the same consumer handles them."""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from telegram.error import NetworkError, RetryAfter
from telegram.ext import Application

from .updates import MalformedUpdate, store_update

logger = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10


async def fetch_forever(application: Application, stop: asyncio.Event) -> None:
    bot = application.bot
    await bot.delete_webhook()
    offset: int | None = None
    while not stop.is_set():
        try:
            # Raw dicts: stored as Telegram sent them, parsed only by the consumer.
            raw = await bot.do_api_request(
                "getUpdates", api_kwargs={"offset": offset, "timeout": LONG_POLL_SECONDS},
                read_timeout=LONG_POLL_SECONDS + 5,
            )
        except RetryAfter as exc:
            await asyncio.sleep(float(exc.retry_after if isinstance(exc.retry_after, int | float) else 1))
            continue
        except NetworkError as exc:
            logger.warning("getUpdates failed: %s; trying again", type(exc).__name__)
            await asyncio.sleep(2)
            continue
        for data in raw or []:
            try:
                await sync_to_async(store_update)(data)
            except MalformedUpdate:
                logger.warning("ignored a malformed update from getUpdates")
            # Acknowledge only what is stored: the next getUpdates confirms it to Telegram.
            offset = max(offset or 0, int(data.get("update_id", 0)) + 1)
