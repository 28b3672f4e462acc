"""After every bot flow, no table and no log line holds a resident's Telegram ids or tip text."""

from __future__ import annotations

import pytest

from reporting.notices import ask_reporter, deliver_message

from ..conftest import all_stored_text, make_photo
from .conftest import Bot
from .residents import Resident
from .test_conversations import REPORT, send_a_report

pytestmark = pytest.mark.django_db

# Distinctive ids, so a hit in the scan cannot be a coincidence.
USER_ID = 987_654_321_123
ANOTHER_USER_ID = 876_543_219_876


def test_no_table_or_log_line_holds_a_raw_telegram_id_after_every_flow(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    ana, omar = Resident(USER_ID, "en"), Resident(ANOTHER_USER_ID, "ar")
    bot.api.files["photo"] = make_photo(gps=True)
    bot.send(ana.command("start", "river-2026"), ana.press("lang:en"), ana.command("subscribe"))
    tip = send_a_report(bot, ana)
    bot.send(omar.command("report"), omar.text(REPORT), omar.location(32.1, 35.2), omar.photo("photo", 500))
    question = ask_reporter(tip, "Which road did they take?")
    deliver_message(question.pk)
    question.refresh_from_db()
    bot.send(ana.text("The river road", reply_to=int(question.platform_message_id)))
    bot.send(ana.fixture("sticker"), omar.fixture("voice"))
    bot.send(omar.command("forgetme"), omar.press("forget:yes"))

    stored = all_stored_text()
    assert REPORT in stored and "The river road" in stored  # the scan does read the tables
    for raw_id in (USER_ID, ANOTHER_USER_ID):
        assert str(raw_id) not in stored
        assert str(raw_id) not in caplog.text
    assert REPORT not in caplog.text and "The river road" not in caplog.text


def test_an_update_named_in_python_telegram_bots_own_error_lines_is_withheld(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from telegram import Update

    update = Update.de_json(Resident(USER_ID).text(REPORT), None)
    logging.getLogger("telegram.ext.Application").critical("Error while building CallbackContext for update %s.", update)
    assert "update withheld" in caplog.text
    assert str(USER_ID) not in caplog.text and REPORT not in caplog.text
