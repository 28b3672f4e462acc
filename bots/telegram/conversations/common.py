"""What every handler needs: the resident, their language, and short keyboards."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import translation
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from reporting.models import Reporter

from ..residents import resident_for, supported_language

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
ResidentHandler = Callable[[Update, Context, Reporter], Awaitable[T]]

# Each language named in itself, for the language buttons.
NATIVE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية", "pt": "Português", "ru": "Русский"}


def db(func: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Run a database function from a handler (one thread, so transactions behave)."""
    return sync_to_async(func, thread_sensitive=True)


def language_of(reporter: Reporter, update: Update) -> str:
    """The chosen language, else the one Telegram reports for the user's app, else the default."""
    hint = update.effective_user.language_code if update.effective_user else None
    return reporter.language or supported_language(hint) or settings.LANGUAGE_CODE


def as_resident(handler: ResidentHandler[T]) -> Callable[[Update, Context], Awaitable[T | None]]:
    """Find (or create) the resident behind the update and speak their language in the handler.

    Only private chats are served: in a group, other members would see the report.
    """

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context) -> T | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != chat.PRIVATE:
            return None
        reporter = await db(resident_for)(user.id, chat.id)
        with translation.override(language_of(reporter, update)):
            return await handler(update, context, reporter)

    return wrapper


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Inline buttons from rows of (label, callback data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(str(label), callback_data=data) for label, data in row]
                                 for row in rows])


async def say(update: Update, text: str, markup: Any = None) -> None:
    """Answer in the chat the update came from (a message or a button press)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    chat = update.effective_chat
    assert chat is not None  # as_resident let only chats through
    await chat.send_message(str(text), reply_markup=markup)
