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


def test_a_resident_with_nothing_left_is_forgotten_once_the_retention_period_is_over(bot: Bot) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from bots.models import ReportDraft
    from bots.tasks import purge_telegram_updates
    from bots.telegram.residents import forget_idle_residents
    from reporting.models import Reporter, Tip
    from reporting.privacy import reporter_lookup_key
    from triage.retention import purge_expired_tips

    ana, omar, lea = Resident(111_000_001), Resident(111_000_002), Resident(111_000_003)
    tip = send_a_report(bot, ana)
    bot.send(omar.command("start"), omar.press("lang:en"), omar.command("subscribe"))
    bot.send(lea.command("report"), lea.text(REPORT))  # still writing
    a_year_and_more = timezone.now() - timedelta(days=400)
    Reporter.objects.update(created_at=a_year_and_more)

    assert forget_idle_residents() == 0  # Ana's tip is still kept; Omar subscribed; Lea is writing
    Tip.objects.filter(pk=tip.pk).update(status="closed", status_changed_at=a_year_and_more)
    assert purge_expired_tips().tips == 1
    ReportDraft.objects.filter(reporter_id=tip.reporter_id).update(updated_at=a_year_and_more)  # long sent
    assert purge_telegram_updates() == {"updates": 0, "drafts": 1, "residents_forgotten": 1}

    forgotten = Reporter.objects.get(pk=tip.reporter_id)
    assert forgotten.forgotten_at and forgotten.lookup_key is None and forgotten.reply_handle is None
    kept = Reporter.objects.get(lookup_key=reporter_lookup_key("telegram", omar.user_id))
    assert kept.reply_handle and kept.subscribed
    assert Reporter.objects.filter(lookup_key=reporter_lookup_key("telegram", lea.user_id)).exists()
    # Ana writing again is someone new to Tipline.
    bot.send(ana.command("start"))
    assert Reporter.objects.get(lookup_key=reporter_lookup_key("telegram", ana.user_id)).pk != forgotten.pk
