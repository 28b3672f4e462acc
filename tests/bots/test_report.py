"""A resident reports through the bot, start to finish, and the tip is stored like a web tip."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bots.models import ConversationState, ReportDraft
from reporting.models import Attachment, Channel, Tip

from ..conftest import make_photo
from .conftest import Bot
from .residents import Resident

pytestmark = pytest.mark.django_db


def test_a_resident_reports_in_english_and_gets_a_reference(bot: Bot) -> None:
    ana = Resident(111_000_001, "en")
    bot.send(ana.command("start"))
    assert "Do not forward messages" in bot.api.texts_to(ana.chat_id)[0]
    bot.send(ana.press("lang:en"), ana.press("menu:report"))
    bot.send(ana.text("A white van with people locked in the back crosses the river bridge every night"),
             ana.text("It has plate ABC-1234"))
    bot.send(ana.press("report:done"))
    assert "Where did it happen?" in bot.api.last_text_to(ana.chat_id)
    bot.send(ana.text("Old river bridge, north side"))
    bot.send(ana.press("when:today"))
    bot.send(ana.press("report:skip"))
    review = bot.api.last_text_to(ana.chat_id)
    assert "A white van" in review and "Old river bridge" in review and "Photos: 0" in review
    bot.send(ana.press("report:send"))

    tip = Tip.objects.get()
    assert tip.channel == Channel.TELEGRAM
    assert tip.text == "A white van with people locked in the back crosses the river bridge every night\n\nIt has plate ABC-1234"
    assert (tip.place_name, tip.occurred_window, tip.declared_language) == ("Old river bridge, north side", "today", "en")
    assert f"Reference: {tip.reference}" in bot.api.last_text_to(ana.chat_id)
    assert not ConversationState.objects.exists()  # the conversation ended


def test_a_resident_reports_in_arabic_with_a_location_and_a_photo_whose_exif_is_cleaned(bot: Bot) -> None:
    layla = Resident(111_000_002, "ar")
    bot.api.files["photo-1"] = make_photo(gps=True)
    bot.send(layla.command("start"), layla.press("lang:ar"))
    assert bot.api.last_text_to(layla.chat_id) != "What would you like to do?"
    bot.send(layla.command("report"))
    bot.send(layla.text("شاحنة بيضاء تعبر الحدود كل ليلة وفيها أشخاص محبوسون في الخلف"))
    bot.send(layla.location(32.5, 35.9))  # a pin while writing counts as the place
    bot.send(layla.press("report:done"))
    bot.send(layla.press("when:now"))
    bot.send(layla.photo("photo-1", len(bot.api.files["photo-1"])))
    bot.send(layla.press("report:done"))
    bot.send(layla.press("report:send"))

    tip = Tip.objects.get()
    assert (tip.latitude, tip.longitude, tip.declared_language) == (32.5, 35.9, "ar")
    assert tip.reference in bot.api.last_text_to(layla.chat_id)
    attachment = Attachment.objects.get(tip=tip)
    from reporting.attachments import clean_attachment

    clean_attachment(attachment.pk)
    attachment.refresh_from_db()
    with Image.open(io.BytesIO(attachment.file.read())) as cleaned:
        assert not cleaned.getexif()
    assert not ReportDraft.objects.filter(submitted_tip=None).exists()


CONFIRMATION = ("Thank you. Your report was received.\nReference: %(reference)s\n\n"
                "Send /mytips to follow it. If our team has a question, it will arrive here; "
                "answer by replying to it.")


@pytest.mark.parametrize("language", ["en", "es", "fr", "ar", "pt", "ru"])
def test_a_resident_reports_in_each_shipped_language(bot: Bot, language: str) -> None:
    from django.utils import translation

    from .test_conversations import send_a_report

    resident = Resident(111_100_000 + len(language) * 1000 + ord(language[0]), language)
    bot.send(resident.command("start"), resident.press(f"lang:{language}"))
    tip = send_a_report(bot, resident)
    with translation.override(language):
        expected = translation.gettext(CONFIRMATION) % {"reference": tip.reference}
    assert bot.api.last_text_to(resident.chat_id) == expected
    if language != "en":
        assert expected != CONFIRMATION % {"reference": tip.reference}  # really translated
    assert tip.declared_language == language
