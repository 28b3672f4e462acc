"""Input the bot cannot take (stickers, voice, video, other files): a clear answer, no harm done."""

from __future__ import annotations

from django.utils.translation import gettext as _
from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from reporting.models import Reporter

from .common import Context, as_resident, say


@as_resident
async def unsupported_input(update: Update, context: Context, reporter: Reporter) -> None:
    """Say what the bot takes; the conversation stays where it was (the handler returns None)."""
    message = update.effective_message
    if message is not None and (message.voice or message.audio or message.video_note):
        text = _("Voice and audio messages cannot be taken: they can reveal who you are. Please write instead.")
    elif message is not None and (message.video or message.animation):
        text = _("Videos cannot be taken. Please send photos or write what you saw.")
    elif message is not None and message.document is not None:
        text = _("This kind of file cannot be taken. Please send photos (JPEG, PNG or WebP) or write what you saw.")
    else:
        text = _("I can only take text, places and photos. Please write what you saw.")
    await say(update, text)


@as_resident
async def unknown_command(update: Update, context: Context, reporter: Reporter) -> None:
    await say(update, _("I do not know that command. Send /help to see what I can do."))


def unsupported_handlers() -> list[BaseHandler]:
    """Last in line: whatever no conversation took."""
    return [
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command),
        # New messages only: an edit of something said earlier needs no answer.
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, unsupported_input),
    ]
