"""The webhook stores an update before answering 200, once, and only when Telegram's secret is right."""

from __future__ import annotations

import pytest
from django.test import Client

from bots.models import ReportDraft, TelegramUpdate
from bots.telegram.updates import pending_updates

from .conftest import SECRET, Bot
from .residents import Resident

pytestmark = pytest.mark.django_db


def test_an_update_is_stored_encrypted_before_the_answer(bot: Bot) -> None:
    omar = Resident(222_000_001)
    update = omar.text("hello")
    assert bot.post(update) == 200
    row = TelegramUpdate.objects.get()
    assert row.update_id == update["update_id"] and row.processed_at is None
    assert str(omar.chat_id).encode() not in bytes(row.payload)
    assert [stored.data for stored in pending_updates()] == [update]


def test_a_retried_update_is_stored_and_handled_once(bot: Bot) -> None:
    omar = Resident(222_000_002)
    update = omar.command("help")
    assert bot.post(update) == 200
    assert bot.post(update) == 200  # Telegram retries when our 200 was slow
    assert TelegramUpdate.objects.count() == 1
    bot.run()
    assert bot.post(update) == 200  # and again after it was handled
    bot.run()
    assert len(bot.api.texts_to(omar.chat_id)) == 1
    assert TelegramUpdate.objects.get().payload in (b"", memoryview(b""))  # emptied once processed


@pytest.mark.parametrize("secret", ["", "wrong-secret", SECRET[:-1], SECRET + "x"])
def test_a_forged_or_missing_secret_is_refused_and_nothing_is_stored(bot: Bot, secret: str) -> None:
    assert bot.post(Resident(222_000_003).text("hello"), secret=secret) == 403
    assert not TelegramUpdate.objects.exists()


def test_without_a_configured_secret_every_call_is_refused(bot: Bot, settings: object) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = ""  # type: ignore[attr-defined]
    assert bot.post(Resident(222_000_004).text("hello"), secret="") == 403
    assert not TelegramUpdate.objects.exists()


@pytest.mark.parametrize("body", ["not json", "[]", '{"message": {}}', '{"update_id": "12"}', '{"update_id": -1}',
                                  '{"update_id": true}'])
def test_a_malformed_body_is_refused_and_nothing_is_stored(bot: Bot, body: str) -> None:
    response = Client().post("/telegram/webhook/", body, content_type="application/json",
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 400
    assert not TelegramUpdate.objects.exists()


def test_only_post_is_accepted(bot: Bot) -> None:
    response = Client().get("/telegram/webhook/", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 405


def test_updates_of_one_chat_are_handled_in_order(bot: Bot) -> None:
    nadia = Resident(222_000_005)
    bot.send(nadia.command("report"))
    first, second, third = (nadia.text(f"Part {n}: a truck with covered plates at the border") for n in (1, 2, 3))
    for update in (third, first, second):  # arrival order differs from Telegram's order
        assert bot.post(update) == 200
    bot.run()
    parts = [part["text"][:6] for part in ReportDraft.objects.get().text_parts]
    assert parts == ["Part 1", "Part 2", "Part 3"]
