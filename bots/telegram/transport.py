"""Sending to Telegram from outside the bot process: caseworker questions and status notices
go through reporting.channels to `TelegramChannel` (docs/bot.md).

Telegram allows about 30 messages a second overall and one a second per chat; `wait_for_turn`
keeps both across processes (a key per chat in the shared cache, send times in Redis). A 429
is handed back with its `retry_after`, and the calling task waits that long before trying again.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import deque
from typing import Any

import httpx
import redis
from django.conf import settings
from django.core.cache import cache

from reporting.channels import Photo, SendResult
from reporting.models import Reporter
from reporting.privacy import decrypt_handle, keyed_digest

TIMEOUT_SECONDS = 15
# A chat that is "busy" for this long is not waited for any more: the send goes ahead, and a
# 429 from Telegram, if it comes, is handled as usual.
MAX_PACING_WAIT_SECONDS = 5.0


_client: httpx.Client | None = None
_client_pid = 0


def client() -> httpx.Client:
    """One keep-alive client per process (a broadcast sends thousands of messages); made again
    after a fork, since connections must not cross into Celery's pool processes."""
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        _client, _client_pid = httpx.Client(timeout=TIMEOUT_SECONDS), os.getpid()
    return _client


def api_url(method: str) -> str:
    return f"{settings.TELEGRAM_API_BASE_URL}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}"


def chat_digest(chat_id: int | str) -> str:
    return keyed_digest("telegram-chat", str(chat_id))


def wait_for_turn(chat_key: str) -> None:
    """Block until this chat and the whole bot are under Telegram's limits."""
    deadline = time.monotonic() + MAX_PACING_WAIT_SECONDS
    while not cache.add(f"telegram:chat:{chat_key}", 1, timeout=1) and time.monotonic() < deadline:
        time.sleep(0.1)
    while time.monotonic() < deadline:
        wait = _overall_turn()
        if wait <= 0:
            return
        time.sleep(min(wait, max(0.0, deadline - time.monotonic())))


# At most TELEGRAM_MESSAGES_PER_SECOND sends may start in any sliding window, across processes:
# the start times sit in a sorted set in Redis, read and added to in one script, by Redis's own
# clock. (Counters per fixed slot let bursts through where two slots meet: 34 in a second.)
# The window is a little longer than a second: between its turn and Telegram, a send spends a
# few milliseconds that vary, and the arrivals must keep under the cap too (bench/broadcast.py).
WINDOW_SECONDS = 1.025
_TAKE_TURN = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local window_us = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_us - window_us)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_us, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 2000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window_us - now_us
"""
SENT_KEY = "tipline:telegram:sent"
_script: Any = None
_script_pid = 0
# Without Redis (`make run`) the window is this process's own.
_local_starts: deque[float] = deque()
_local_lock = threading.Lock()


def _overall_turn() -> float:
    """0 when a send may start now (it is counted), else the seconds until one may."""
    cap = settings.TELEGRAM_MESSAGES_PER_SECOND
    if not settings.REDIS_URL:
        with _local_lock:
            now = time.monotonic()
            while _local_starts and _local_starts[0] <= now - WINDOW_SECONDS:
                _local_starts.popleft()
            if len(_local_starts) < cap:
                _local_starts.append(now)
                return 0.0
            return _local_starts[0] + WINDOW_SECONDS - now
    global _script, _script_pid
    if _script is None or _script_pid != os.getpid():  # a client per process, made after a fork
        _script, _script_pid = redis.Redis.from_url(settings.REDIS_URL).register_script(_TAKE_TURN), os.getpid()
    return int(_script(keys=[SENT_KEY], args=[cap, uuid.uuid4().hex, int(WINDOW_SECONDS * 1_000_000)])) / 1_000_000


def send_message(chat_id: int | str, text: str, *, paced: bool = False, **extra: Any) -> SendResult:
    """sendMessage with Telegram's answer read into a SendResult; paced here unless `paced`."""
    return _send(chat_id, "sendMessage", paced, json={"chat_id": chat_id, "text": text, **extra})


def send_photo(chat_id: int | str, photo: Photo, caption: str, *, paced: bool = False) -> SendResult:
    """sendPhoto by file_id when the photo has one, else as a multipart upload; paced and read
    like sendMessage. The caption must already fit Telegram's 1,024 characters."""
    if photo.file_id:
        return _send(chat_id, "sendPhoto", paced, json={"chat_id": chat_id, "photo": photo.file_id, "caption": caption})
    return _send(chat_id, "sendPhoto", paced, data={"chat_id": str(chat_id), "caption": caption},
                 files={"photo": (photo.filename, photo.data, photo.content_type)})


def _send(chat_id: int | str, method: str, paced: bool, **request: Any) -> SendResult:
    if not paced:
        wait_for_turn(chat_digest(chat_id))
    try:
        response = client().post(api_url(method), **request)
    except httpx.HTTPError as exc:
        return SendResult(delivered=False, error=f"network: {type(exc).__name__}")
    return read_answer(response)


def read_answer(response: httpx.Response) -> SendResult:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and body.get("ok"):
        result = body.get("result") or {}
        sizes = result.get("photo") or [{}]  # a sent photo: its sizes, smallest first
        return SendResult(delivered=True, platform_message_id=str(result.get("message_id", "")),
                          file_id=str(sizes[-1].get("file_id", "")))
    # Telegram's descriptions name the problem ("Forbidden: bot was blocked by the user"), never a chat.
    description = str(body.get("description", ""))[:150]
    error = f"HTTP {response.status_code}: {description}"
    if response.status_code == 429:
        retry_after = float((body.get("parameters") or {}).get("retry_after", 1))
        return SendResult(delivered=False, retry_after=retry_after, error=error)
    if response.status_code == 403 or "chat not found" in description.lower():
        return SendResult(delivered=False, unreachable=True, error=error)
    if response.status_code == 400 and "file identifier" in description.lower():
        return SendResult(delivered=False, photo_id_rejected=True, error=error)
    return SendResult(delivered=False, error=error)


UNREADABLE = SendResult(delivered=False, unreachable=True, error="reply handle unreadable")


class TelegramChannel:
    """The outbound channel for reporters who came through the bot."""

    name = "telegram"

    def wait_for_turn(self, reporter: Reporter) -> None:
        chat_id = decrypt_handle(reporter.reply_handle) if reporter.reply_handle else None
        if chat_id is not None:
            wait_for_turn(chat_digest(chat_id))

    def send_text(self, reporter: Reporter, text: str, *, paced: bool = False) -> SendResult:
        chat_id = decrypt_handle(reporter.reply_handle) if reporter.reply_handle else None
        return UNREADABLE if chat_id is None else send_message(chat_id, text, paced=paced)

    def send_photo(self, reporter: Reporter, photo: Photo, caption: str, *, paced: bool = False) -> SendResult:
        chat_id = decrypt_handle(reporter.reply_handle) if reporter.reply_handle else None
        return UNREADABLE if chat_id is None else send_photo(chat_id, photo, caption, paced=paced)
