"""bots: the Telegram bot (docs/bot.md)."""
