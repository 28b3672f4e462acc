"""Sending to Telegram from outside the bot process: caseworker questions and status notices
go through reporting.channels to `TelegramChannel` (docs/bot.md).

Telegram allows about 30 messages a second overall and one a second per chat; `wait_for_turn`
keeps both across processes with counters in the shared cache. A 429 is handed back with its
`retry_after`, and the calling task waits that long before trying again.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
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
        number, ends, allowed = _pacing_slot()
        key = f"telegram:slot:{number}"
        cache.add(key, 0, timeout=5)
        try:
            if cache.incr(key) <= allowed:
                return
        except ValueError:  # the counter expired between add and incr; count again
            continue
        time.sleep(max(0.0, ends - time.time()))


def _pacing_slot() -> tuple[int, float, int]:
    """The current tenth of a second (or 1/cap for caps under 10), when it ends, and how many
    sends it allows. Tenths, not whole seconds: per-second counters let up to twice the cap
    through in a second that straddles two of them."""
    cap = settings.TELEGRAM_MESSAGES_PER_SECOND
    length = max(0.1, 1 / cap)
    number = int(time.time() / length)
    return number, (number + 1) * length, max(1, round(cap * length))


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
