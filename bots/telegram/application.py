"""The python-telegram-bot Application: built once, fed stored updates (docs/bot.md)."""

from __future__ import annotations

import contextvars
import logging
import warnings

from django.conf import settings
from django.utils.translation import gettext as _
from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes
from telegram.warnings import PTBUserWarning

from .conversations.account import account_handlers
from .conversations.replies import reply_handlers
from .conversations.report import report_handlers
from .conversations.unsupported import unsupported_handlers
from .persistence import DatabasePersistence

logger = logging.getLogger(__name__)

# The error of the update being handled, if any: the consumer reads it to retry or give up.
handler_error: contextvars.ContextVar[BaseException | None] = contextvars.ContextVar("handler_error", default=None)

# Group -1 answers caseworkers' questions before anything else sees a reply.
REPLY_GROUP, MAIN_GROUP = -1, 0


def build_application() -> Application:
    if not settings.TELEGRAM_BOT_TOKEN:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set: there is no bot to run.")
    base = settings.TELEGRAM_API_BASE_URL
    application = (
        Application.builder()
        .token(settings.TELEGRAM_BOT_TOKEN)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .updater(None)  # updates come from the database (bots.telegram.consumer)
        .persistence(DatabasePersistence())
        # Waits out a 429's retry_after (up to 3 times) and keeps to 30 messages a second.
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.TELEGRAM_MESSAGES_PER_SECOND, max_retries=3))
        .build()
    )
    with warnings.catch_warnings():
        # "per_message=False": buttons are tracked per chat on purpose; the warning says just that.
        warnings.simplefilter("ignore", PTBUserWarning)
        application.add_handlers(reply_handlers(), group=REPLY_GROUP)
        application.add_handlers([*report_handlers(), *account_handlers(), *unsupported_handlers()], group=MAIN_GROUP)
    application.add_error_handler(on_error)
    return application


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure without the update (it names the resident) and apologise to them."""
    error = context.error
    handler_error.set(error)
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("telegram update %s failed: %s", update_id, type(error).__name__)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await update.effective_chat.send_message(
                _("Sorry, something went wrong on our side. Please try again in a minute.")
            )
        except Exception:  # noqa: BLE001 - Telegram unreachable too; the update is retried anyway
            logger.warning("could not tell the resident about failed update %s", update_id)
