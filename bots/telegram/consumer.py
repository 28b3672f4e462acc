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

import psycopg
from asgiref.sync import sync_to_async
from django.db import connection
from telegram import Update
from telegram.ext import Application

from . import updates
from .application import handler_error

logger = logging.getLogger(__name__)

# Without PostgreSQL's NOTIFY (SQLite, or while the listening connection is down) the bot
# looks for updates this often; with it, only as a safety net for retries.
IDLE_POLL_SECONDS = 0.2
LISTENING_POLL_SECONDS = 2.0
RELISTEN_SECONDS = 2.0  # also how often a waiting second bot process asks for the lead


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


class UpdateAlarm:
    """Rings when the webhook (or the poller) stored an update, and says whether this process may
    handle updates at all.

    On PostgreSQL one connection does both: it holds a session advisory lock, so only one bot
    process handles updates (another waits, and takes over within seconds of the first one's
    end: a second process by mistake, or a deploy's overlap, never answers twice), and it
    LISTENs for the NOTIFY that storing an update sends. On SQLite (development) the one
    process always leads and polls.
    """

    def __init__(self) -> None:
        self.rung = asyncio.Event()
        self.listening = False
        self.leading = connection.vendor != "postgresql"

    async def listen(self, stop: asyncio.Event) -> None:
        """Keep the leading, listening connection open until `stop`; reconnect after a failure."""
        if connection.vendor != "postgresql":
            return
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(**_connection_parameters(), autocommit=True) as conn:
                    if await _take_the_lead(conn, stop):
                        await conn.execute(f"LISTEN {updates.NOTIFY_CHANNEL}")
                        self.leading = self.listening = True
                        self.rung.set()  # whatever arrived while not listening is looked at now
                        while not stop.is_set():
                            async for _notify in conn.notifies(timeout=1.0):  # a second at a time, to see `stop`
                                self.rung.set()
            except (psycopg.Error, OSError) as exc:
                logger.warning("the bot's lead connection failed (%s); reconnecting", type(exc).__name__)
            finally:
                self.leading = self.listening = False
            if not stop.is_set():
                await _sleep_unless(stop, RELISTEN_SECONDS)

    async def wait(self, stop: asyncio.Event) -> None:
        """Until the alarm rings or `stop`, at most one idle poll."""
        timeout = LISTENING_POLL_SECONDS if self.listening else IDLE_POLL_SECONDS
        ring, stopped = asyncio.ensure_future(self.rung.wait()), asyncio.ensure_future(stop.wait())
        await asyncio.wait({ring, stopped}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (ring, stopped):
            waiter.cancel()


# pg_advisory_lock key ("tgbt") held by the one bot process that handles updates.
LEAD_LOCK = 0x74676274


async def _take_the_lead(conn: psycopg.AsyncConnection, stop: asyncio.Event) -> bool:
    """Wait for the lead lock on this connection; False when stopped first."""
    announced = False
    while not stop.is_set():
        cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", [LEAD_LOCK])
        row = await cursor.fetchone()
        if row and row[0]:
            return True
        if not announced:
            logger.info("another bot process is handling updates; this one takes over when it stops")
            announced = True
        await _sleep_unless(stop, RELISTEN_SECONDS)
    return False


# libpq settings of the database's OPTIONS that the listening connection must share.
_LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "options")


def _connection_parameters() -> dict[str, object]:
    database = connection.settings_dict
    parameters = {"dbname": database["NAME"], "user": database["USER"], "password": database["PASSWORD"],
                  "host": database["HOST"], "port": database["PORT"]}
    parameters.update({k: v for k, v in database.get("OPTIONS", {}).items() if k in _LIBPQ_OPTIONS})
    return {k: v for k, v in parameters.items() if v not in (None, "")}


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


async def run_forever(application: Application, stop: asyncio.Event, alarm: UpdateAlarm | None = None) -> None:
    """Process updates until `stop` is set; when there is nothing to do, wait for the alarm."""
    alarm = alarm or UpdateAlarm()
    listener = asyncio.create_task(alarm.listen(stop))
    try:
        while not stop.is_set():
            alarm.rung.clear()  # before looking: an update stored from now on rings again
            if not alarm.leading or not await process_pending(application):
                await alarm.wait(stop)
    finally:
        listener.cancel()
