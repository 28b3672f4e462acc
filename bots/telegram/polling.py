"""Development without a public address: fetch updates with getUpdates and store them exactly as
the webhook would, so the same consumer handles them."""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from telegram.error import NetworkError, RetryAfter
from telegram.ext import Application

from .consumer import UpdateAlarm
from .updates import MalformedUpdate, store_update

logger = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10


async def fetch_forever(application: Application, stop: asyncio.Event, alarm: UpdateAlarm | None = None) -> None:
    """Store what getUpdates returns, while this process leads (Telegram refuses two pollers)."""
    bot = application.bot
    await bot.delete_webhook()
    offset: int | None = None
    while not stop.is_set():
        if alarm is not None and not alarm.leading:
            await alarm.wait(stop)
            continue
        try:
            received = await bot.get_updates(offset=offset, timeout=LONG_POLL_SECONDS,
                                             read_timeout=LONG_POLL_SECONDS + 5)
        except RetryAfter as exc:
            await asyncio.sleep(float(exc.retry_after if isinstance(exc.retry_after, int | float) else 1))
            continue
        except NetworkError as exc:
            logger.warning("getUpdates failed: %s; trying again", type(exc).__name__)
            await asyncio.sleep(2)
            continue
        for update in received:
            try:
                # Stored as the webhook stores it; fields this library version does not know
                # are kept too (to_dict writes them back from api_kwargs).
                await sync_to_async(store_update)(update.to_dict())
            except MalformedUpdate:
                logger.warning("ignored a malformed update from getUpdates")
            # Acknowledge only what is stored: the next getUpdates confirms it to Telegram.
            offset = max(offset or 0, update.update_id + 1)
