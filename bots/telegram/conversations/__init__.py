"""The bot's conversations, each a small state machine with a diagram beside it (docs/bot.md)."""
