"""The bot fixtures (a Bot API stand-in on loopback), for the broadcast tests."""

import pytest

from tests.bots.conftest import bot, bot_api  # noqa: F401


@pytest.fixture
def fast(settings: object) -> None:
    """Telegram's overall cap raised, so the tests do not wait for it (per chat still holds)."""
    settings.TELEGRAM_MESSAGES_PER_SECOND = 1000  # type: ignore[attr-defined]
