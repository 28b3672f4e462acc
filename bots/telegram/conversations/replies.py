"""A resident answers a caseworker's question by replying to it; the answer lands in that tip's thread.

Checked before the report conversation, so a reply in the middle of writing a report is an
answer, not more report.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from reporting.models import Reporter

from ..residents import answer_question
from .common import Context, as_resident, db, say


@as_resident
async def answer(update: Update, context: Context, reporter: Reporter) -> None:
    """A reply to one of our questions; a reply to anything else goes on to the other handlers."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    try:
        tip = await db(answer_question)(reporter, message.reply_to_message.message_id, message.text)
    except ValidationError as error:
        await say(update, str(error.messages[0]))
        raise ApplicationHandlerStop from None
    if tip is None:
        return
    await say(update, _("Thank you. Your answer was added to report %(reference)s.") % {"reference": tip.reference})
    raise ApplicationHandlerStop


def reply_handlers() -> list[BaseHandler]:
    return [MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND, answer)]
