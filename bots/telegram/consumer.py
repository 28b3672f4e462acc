"""The bot process: hand stored updates to the Application, in order for each chat (docs/bot.md).

1. Take the pending updates, oldest first, and group them by chat.
2. Chats run side by side; within a chat, one update after another.
3. After each update, write the conversation states, then mark the update processed. A crash
   between the two only replays the update, and every handler is safe to replay.
4. A handler that raised is retried on the next round, up to updates.MAX_ATTEMPTS times.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from asgiref.sync import sync_to_async
from telegram import Update
from telegram.ext import Application

from . import updates
from .application import handler_error

logger = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.2


async def process_pending(application: Application, limit: int = 200) -> int:
    """Process what is pending now; returns how many updates were handled."""
    pending = await sync_to_async(updates.pending_updates)(limit)
    by_chat: dict[str, list[updates.StoredUpdate]] = defaultdict(list)
    for stored in pending:
        by_chat[stored.chat_key].append(stored)
    await asyncio.gather(*(_process_chat(application, chat) for chat in by_chat.values()))
    return len(pending)


async def _process_chat(application: Application, chat_updates: list[updates.StoredUpdate]) -> None:
    for stored in chat_updates:
        if not await _process_one(application, stored):
            return  # keep this chat's order: later updates wait for the failed one's retry


async def _process_one(application: Application, stored: updates.StoredUpdate) -> bool:
    # A fresh context per update, so one chat's error is not read as another's.
    return await asyncio.create_task(_handle(application, stored))


async def _handle(application: Application, stored: updates.StoredUpdate) -> bool:
    handler_error.set(None)
    try:
        update = Update.de_json(stored.data, application.bot)
        await application.process_update(update)
        await application.update_persistence()
    except Exception as exc:  # noqa: BLE001 - a malformed update must not stop the bot
        handler_error.set(exc)
    error = handler_error.get()
    if error is None:
        await sync_to_async(updates.mark_processed)(stored.pk)
        return True
    final = stored.attempts + 1 >= updates.MAX_ATTEMPTS
    logger.warning("telegram update %s failed (attempt %d): %s", stored.update_id, stored.attempts + 1,
                   type(error).__name__)
    await sync_to_async(updates.mark_failed)(stored.pk, type(error).__name__, final=final)
    return final  # given up: the chat moves on


async def run_forever(application: Application, stop: asyncio.Event) -> None:
    """Process updates until `stop` is set, resting briefly when there is nothing to do."""
    while not stop.is_set():
        handled = await process_pending(application)
        if not handled:
            try:
                await asyncio.wait_for(stop.wait(), IDLE_POLL_SECONDS)
            except TimeoutError:
                pass
