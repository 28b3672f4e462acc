"""Stored Telegram updates: the webhook (or the polling loop) stores, the bot process consumes.

1. `store_update` encrypts the update and stores it under its `update_id`; a second copy of the
   same update (Telegram retries when it does not get a 200 in time) is ignored.
2. `pending_updates` hands the bot process what is not processed yet, oldest first.
3. `mark_processed` empties the payload; the row stays a while so late retries stay no-ops.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from reporting.privacy import decrypt_handle, encrypt_handle

from ..models import TelegramUpdate
from .transport import chat_digest

logger = logging.getLogger(__name__)

# A handler that fails this many times for one update gives up on it (kept, marked failed).
MAX_ATTEMPTS = 3
# Where the chat sits in each kind of update Tipline handles.
_CHAT_PATHS = (("message", "chat"), ("edited_message", "chat"), ("callback_query", "message", "chat"),
               ("my_chat_member", "chat"))


@dataclass(frozen=True)
class StoredUpdate:
    pk: int
    update_id: int
    chat_key: str
    attempts: int
    data: dict[str, Any]


class MalformedUpdate(ValueError):
    pass


def validate_update(data: object) -> dict[str, Any]:
    # type() and not isinstance(): JSON true is a Python bool, which is an int.
    if not isinstance(data, dict) or type(data.get("update_id")) is not int or data["update_id"] < 0:
        raise MalformedUpdate("an update is a JSON object with a non-negative integer update_id")
    return data


def chat_key_of(data: dict[str, Any]) -> str:
    for path in _CHAT_PATHS:
        node: Any = data
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict) and "id" in node:
            return chat_digest(node["id"])
    # Telegram sends the user, not a chat, for a few kinds (inline queries): order them by user.
    for value in data.values():
        if isinstance(value, dict) and isinstance(value.get("from"), dict) and "id" in value["from"]:
            return chat_digest(f"user:{value['from']['id']}")
    return ""


# The bot process LISTENs on this channel (consumer.UpdateAlarm).
NOTIFY_CHANNEL = "tipline_telegram_updates"


def notify_bot() -> None:
    """Wake the bot process now rather than at its next poll (PostgreSQL only).

    Sent once the update is committed, on its own: a failed NOTIFY only costs the resident the
    bot's next safety poll, and can never undo storing the update.
    """
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")
    except DatabaseError as exc:
        logger.warning("the bot was not woken (%s); it finds the update at its next poll", type(exc).__name__)


def store_update(data: dict[str, Any]) -> bool:
    """Store one validated update; False when it was already stored."""
    data = validate_update(data)
    payload = encrypt_handle(json.dumps(data, separators=(",", ":")))
    try:
        with transaction.atomic():
            TelegramUpdate.objects.create(update_id=data["update_id"], chat_key=chat_key_of(data), payload=payload)
            transaction.on_commit(notify_bot)
    except IntegrityError:  # the unique update_id: Telegram sent it again
        return False
    return True


def pending_updates(limit: int = 200) -> list[StoredUpdate]:
    rows = TelegramUpdate.objects.filter(processed_at=None).order_by("update_id")[:limit]
    pending = []
    for row in rows:
        text = decrypt_handle(row.payload)
        if text is None:  # the key that wrote it was rotated away: it cannot be read, ever
            mark_failed(row.pk, "UndecryptableUpdate", final=True)
            continue
        pending.append(StoredUpdate(row.pk, row.update_id, row.chat_key, row.attempts, json.loads(text)))
    return pending


def mark_processed(pk: int) -> None:
    TelegramUpdate.objects.filter(pk=pk).update(processed_at=timezone.now(), payload=b"", error="")


def mark_failed(pk: int, error: str, *, final: bool) -> None:
    """Count a failed attempt; the last one ends the update's turn, payload kept for a retry by hand."""
    row = TelegramUpdate.objects.get(pk=pk)
    row.attempts += 1
    row.error = error[:200]
    if final or row.attempts >= MAX_ATTEMPTS:
        row.processed_at = timezone.now()
    row.save(update_fields=["attempts", "error", "processed_at"])


def purge_old_updates() -> dict[str, int]:
    """Forget processed updates past retention, failed ones included."""
    cutoff = timezone.now() - settings.TELEGRAM_UPDATE_RETENTION
    deleted, _ = TelegramUpdate.objects.filter(processed_at__lt=cutoff).delete()
    return {"deleted": deleted}
