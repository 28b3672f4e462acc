"""python manage.py runbot [--polling]: the bot process (docs/bot.md)."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bots.telegram.application import build_application
from bots.telegram.consumer import UpdateAlarm, run_forever
from bots.telegram.polling import fetch_forever


class Command(BaseCommand):
    help = "Run the Telegram bot: handle stored webhook updates, or poll Telegram with --polling."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--polling", action="store_true", help="fetch updates with getUpdates (development)")

    def handle(self, *args: Any, polling: bool = False, **options: Any) -> None:
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        asyncio.run(self.run(polling))

    async def run(self, polling: bool) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        application = build_application()
        alarm = UpdateAlarm()  # one process leads at a time (docs/bot.md)
        async with application:  # initialize() loads the conversations; shutdown() flushes them
            if polling:
                tasks = [fetch_forever(application, stop, alarm)]
                self.stdout.write("Telegram bot polling for updates.")
            else:
                tasks = []
                if settings.TELEGRAM_WEBHOOK_URL:
                    await application.bot.set_webhook(
                        settings.TELEGRAM_WEBHOOK_URL, secret_token=settings.TELEGRAM_WEBHOOK_SECRET or None
                    )
                self.stdout.write("Telegram bot handling updates stored by the webhook.")
            await asyncio.gather(run_forever(application, stop, alarm), *tasks)
