"""Conversation states in the database, so a bot restart in the middle of a report loses nothing.

python-telegram-bot keys a conversation by (chat id, user id). Those are raw Telegram ids, so
the row is found by a keyed digest of the key and carries the key itself only encrypted (the
persistence must hand it back when the bot starts). User, chat, bot and callback data are not
persisted: what a resident writes lives in ReportDraft rows, written as it arrives.
"""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from reporting.privacy import decrypt_handle, encrypt_handle, keyed_digest

from ..models import ConversationState


def _key_digest(key: ConversationKey) -> str:
    return keyed_digest("telegram-conversation", json.dumps(list(key)))


def load_conversations(name: str) -> ConversationDict:
    conversations: ConversationDict = {}
    for row in ConversationState.objects.filter(name=name):
        text = decrypt_handle(row.key_token)
        if text is not None:  # a key rotated away: that resident starts over
            conversations[tuple(json.loads(text))] = row.state
    return conversations


def save_conversation(name: str, key: ConversationKey, state: object | None) -> None:
    digest = _key_digest(key)
    if state is None:
        ConversationState.objects.filter(name=name, key_digest=digest).delete()
        return
    ConversationState.objects.update_or_create(
        name=name, key_digest=digest, defaults={"state": state, "key_token": encrypt_handle(json.dumps(list(key)))}
    )


def forget_conversations(chat_id: int, user_id: int) -> None:
    """Drop every conversation of one resident (they asked to be forgotten)."""
    for name in ConversationState.objects.values_list("name", flat=True).distinct():
        save_conversation(name, (chat_id, user_id), None)


class DatabasePersistence(BasePersistence):
    """Only conversations; written by Application.update_persistence(), which the bot process
    calls after every update so a restart resumes where the resident left off."""

    def __init__(self) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=False, callback_data=False),
            update_interval=1,
        )

    async def get_conversations(self, name: str) -> ConversationDict:
        return await sync_to_async(load_conversations)(name)

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        await sync_to_async(save_conversation)(name, key, new_state)

    # Nothing else is persisted (store_data above); python-telegram-bot still asks.
    async def get_user_data(self) -> dict:
        return {}

    async def get_chat_data(self) -> dict:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: object) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: object) -> None:
        return None

    async def update_bot_data(self, data: object) -> None:
        return None

    async def update_callback_data(self, data: object) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: object) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: object) -> None:
        return None

    async def refresh_bot_data(self, bot_data: object) -> None:
        return None

    async def flush(self) -> None:
        return None
