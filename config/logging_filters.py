"""Log filters that keep residents out of the logs (docs/privacy.md)."""

from __future__ import annotations

import logging

from telegram import TelegramObject


class WithholdTelegramObjects(logging.Filter):
    """python-telegram-bot puts whole updates into a few error lines (a failed CallbackContext);
    an update holds the resident's ids and words, so it is replaced by a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple("[update withheld]" if isinstance(a, TelegramObject | dict) else a for a in args)
        return True
