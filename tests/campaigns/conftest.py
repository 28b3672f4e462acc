"""The bot fixtures (a Bot API stand-in on loopback), for the broadcast tests."""

from tests.bots.conftest import bot, bot_api  # noqa: F401
