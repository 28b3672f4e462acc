"""The bot's conversations around a report: restarts, replays, questions, forgetting, odd input.

Omar is a resident in the middle of a report; Layla has sent one and gets a caseworker's
question; Mallory sends stickers, voice notes and videos.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from bots.models import ConversationState, ReportDraft, TelegramUpdate
from reporting.intake import record_status_change
from reporting.models import (
    DeliveryState,
    Message,
    MessageDirection,
    Reporter,
    Tip,
    TipEvent,
    TipStatus,
)
from reporting.notices import ask_reporter, deliver_message, send_status_notice
from reporting.privacy import reporter_lookup_key

from ..conftest import make_photo
from .conftest import Bot
from .residents import Resident

pytestmark = pytest.mark.django_db

REPORT = "Two men load boxes of rifles into a grey pickup behind the customs office at night"


def send_a_report(bot: Bot, resident: Resident, text: str = REPORT) -> Tip:
    bot.send(resident.command("report"), resident.text(text), resident.press("report:done"),
             resident.press("report:skip"), resident.press("when:yesterday"), resident.press("report:skip"),
             resident.press("report:send"))
    return Tip.objects.filter(reporter__lookup_key=reporter_lookup_key("telegram", resident.user_id)).latest("id")


def test_a_report_survives_a_bot_restart_in_the_middle(bot: Bot) -> None:
    omar = Resident(333_000_001)
    bot.send(omar.command("report"), omar.text(REPORT))
    assert ConversationState.objects.get().state == "writing"
    # Each Bot.run() builds a new Application, as a restarted bot process would: the state comes
    # back from the database. The update below is stored while no bot process runs at all.
    assert bot.post(omar.press("report:done")) == 200
    bot.run()
    assert ConversationState.objects.get().state == "place"
    bot.send(omar.text("Customs office, back yard"), omar.press("when:now"), omar.press("report:skip"),
             omar.press("report:send"))
    tip = Tip.objects.get()
    assert (tip.text, tip.place_name, tip.occurred_window) == (REPORT, "Customs office, back yard", "now")


def test_an_update_handled_again_after_a_crash_adds_nothing_twice(bot: Bot) -> None:
    omar = Resident(333_000_002)
    bot.send(omar.command("report"))
    text = omar.text(REPORT)
    bot.send(text)
    # The bot process died after handling it but before marking it processed, so it is handled
    # again: the same stored update, back in the queue.
    TelegramUpdate.objects.filter(update_id=text["update_id"]).delete()
    assert bot.post(text) == 200
    bot.run()
    assert [part["text"] for part in ReportDraft.objects.get().text_parts] == [REPORT]


def test_a_send_handled_again_after_a_crash_makes_one_tip_and_gives_its_reference_again(bot: Bot) -> None:
    omar = Resident(333_000_003)
    bot.send(omar.command("report"), omar.text(REPORT), omar.press("report:done"), omar.press("report:skip"),
             omar.press("when:yesterday"), omar.press("report:skip"))
    send = omar.press("report:send")
    bot.send(send)
    tip = Tip.objects.get()
    # The bot process died after the tip was committed, before the conversation's end and the
    # update's "processed" mark were written: both come back as they were.
    from bots.telegram.persistence import save_conversation

    save_conversation("report", (omar.chat_id, omar.user_id), "review")
    TelegramUpdate.objects.filter(update_id=send["update_id"]).delete()
    answers_before = len(bot.api.texts_to(omar.chat_id))
    bot.send(send)
    assert Tip.objects.count() == 1
    assert len(bot.api.texts_to(omar.chat_id)) == answers_before + 1
    assert f"Reference: {tip.reference}" in bot.api.last_text_to(omar.chat_id)


def test_cancel_drops_the_draft_and_sends_nothing(bot: Bot) -> None:
    omar = Resident(333_000_004)
    bot.send(omar.command("report"), omar.text(REPORT), omar.command("cancel"))
    assert "Nothing was sent" in bot.api.last_text_to(omar.chat_id)
    assert not ReportDraft.objects.exists() and not Tip.objects.exists()
    assert not ConversationState.objects.exists()


def test_too_short_a_report_is_explained_and_the_resident_keeps_writing(bot: Bot) -> None:
    omar = Resident(333_000_005)
    bot.send(omar.command("report"), omar.text("van"), omar.press("report:done"))
    assert "at least" in bot.api.last_text_to(omar.chat_id)
    assert ConversationState.objects.get().state == "writing"
    bot.send(omar.text(REPORT), omar.press("report:done"))
    assert ConversationState.objects.get().state == "place"


def test_text_out_of_the_blue_starts_a_report(bot: Bot) -> None:
    omar = Resident(333_000_006)
    bot.send(omar.text(REPORT))
    assert ReportDraft.objects.get().text_parts[0]["text"] == REPORT
    assert ConversationState.objects.get().state == "writing"


def test_a_caseworkers_question_arrives_and_the_reply_lands_in_the_thread(bot: Bot) -> None:
    layla = Resident(333_000_007, "en")
    tip = send_a_report(bot, layla)
    question = ask_reporter(tip, "What colour was the pickup?")
    assert question.delivery_state == DeliveryState.PENDING
    result = deliver_message(question.pk)
    assert result is not None and result.delivered
    question.refresh_from_db()
    assert question.delivery_state == DeliveryState.SENT and question.platform_message_id
    sent = bot.api.last_text_to(layla.chat_id)
    assert tip.reference in sent and "What colour was the pickup?" in sent and "reply to this message" in sent

    bot.send(layla.text("Grey, with a broken tail light", reply_to=int(question.platform_message_id)))
    answer = Message.objects.get(tip=tip, direction=MessageDirection.FROM_REPORTER)
    assert answer.body == "Grey, with a broken tail light"
    assert f"added to report {tip.reference}" in bot.api.last_text_to(layla.chat_id)
    assert not ReportDraft.objects.filter(submitted_tip=None).exists()  # not taken as a new report


def test_a_reply_to_anything_else_is_not_an_answer(bot: Bot) -> None:
    layla = Resident(333_000_008)
    send_a_report(bot, layla)
    bot.send(layla.text("Another thing: a second pickup came later that night", reply_to=4))
    assert not Message.objects.filter(direction=MessageDirection.FROM_REPORTER).exists()


def test_a_status_notice_reaches_the_resident_in_their_language(bot: Bot) -> None:
    layla = Resident(333_000_009, "es")
    bot.send(layla.command("start"), layla.press("lang:es"))
    tip = send_a_report(bot, layla)
    with transaction.atomic():
        event = record_status_change(tip, TipStatus.VERIFIED, actor_label="caseworker")
        tip.save()
    result = send_status_notice(event.pk)
    assert result is not None and result.delivered
    notice = bot.api.last_text_to(layla.chat_id)
    assert tip.reference in notice and "Update on your report" not in notice  # Spanish, not English
    assert send_status_notice(event.pk) is None  # claimed once
    assert TipEvent.objects.get(pk=event.pk).reporter_notified_at is not None


def test_mytips_lists_references_and_statuses(bot: Bot) -> None:
    layla = Resident(333_000_010)
    bot.send(layla.command("mytips"))
    assert "not sent any reports" in bot.api.last_text_to(layla.chat_id)
    first, second = send_a_report(bot, layla), send_a_report(bot, layla, REPORT + " again")
    bot.send(layla.command("mytips"))
    listing = bot.api.last_text_to(layla.chat_id)
    assert first.reference in listing and second.reference in listing and "reviewed soon" in listing


def test_subscribe_and_stop(bot: Bot) -> None:
    layla = Resident(333_000_011)
    bot.send(layla.command("subscribe"))
    assert Reporter.objects.get().subscribed
    bot.send(layla.command("stop"))
    assert not Reporter.objects.get().subscribed


def test_a_deep_link_code_is_kept_and_carried_by_the_next_tip(bot: Bot) -> None:
    layla = Resident(333_000_012)
    bot.send(layla.command("start", "river-2026"))
    tip = send_a_report(bot, layla)
    assert tip.campaign_code == "river-2026"
    bot.send(Resident(333_000_013).command("start", "<script>"))
    assert Reporter.objects.get(lookup_key=reporter_lookup_key("telegram", 333_000_013)).campaign_code == ""


def test_forgetme_unties_the_tips_and_a_new_message_starts_afresh(bot: Bot) -> None:
    layla = Resident(333_000_014)
    tip = send_a_report(bot, layla)
    bot.send(layla.command("subscribe"), layla.command("report"), layla.text(REPORT))
    bot.send(layla.command("forgetme"))
    assert "Continue?" in bot.api.last_text_to(layla.chat_id)
    bot.send(layla.press("forget:yes"))
    forgotten = Reporter.objects.get(pk=tip.reporter_id)
    assert (forgotten.lookup_key, forgotten.reply_handle, forgotten.subscribed) == (None, None, False)
    assert forgotten.forgotten_at is not None
    assert Tip.objects.filter(pk=tip.pk).exists()  # the tip stays
    assert not ReportDraft.objects.exists() and not ConversationState.objects.exists()
    assert deliver_message(ask_reporter(tip, "Are you still there?").pk) is None  # nobody to send to

    bot.send(layla.command("mytips"))
    assert tip.reference not in bot.api.last_text_to(layla.chat_id)
    assert Reporter.objects.filter(lookup_key=reporter_lookup_key("telegram", layla.user_id)).exclude(pk=tip.reporter_id).exists()


def test_forgetme_needs_a_yes(bot: Bot) -> None:
    layla = Resident(333_000_015)
    bot.send(layla.command("forgetme"), layla.press("forget:no"))
    assert Reporter.objects.get().lookup_key is not None


@pytest.mark.parametrize(("fixture", "answer"), [
    ("sticker", "only take text, places and photos"),
    ("voice", "Voice and audio messages cannot be taken"),
    ("video", "Videos cannot be taken"),
    ("document_pdf", "This kind of file cannot be taken"),
])
def test_unsupported_input_is_answered_and_the_report_goes_on(bot: Bot, fixture: str, answer: str) -> None:
    mallory = Resident(333_000_016)
    bot.send(mallory.command("report"), mallory.text(REPORT))
    bot.send(mallory.fixture(fixture))
    assert answer in bot.api.last_text_to(mallory.chat_id)
    assert ConversationState.objects.get().state == "writing"
    bot.send(mallory.press("report:done"))
    assert ConversationState.objects.get().state == "place"


def test_unsupported_input_outside_a_report_is_answered_too(bot: Bot) -> None:
    mallory = Resident(333_000_017)
    bot.send(mallory.fixture("sticker"), mallory.command("frobnicate"))
    assert "only take text" in bot.api.texts_to(mallory.chat_id)[0]
    assert "/help" in bot.api.last_text_to(mallory.chat_id)


def test_an_oversized_photo_is_refused_before_download(bot: Bot, settings: object) -> None:
    mallory = Resident(333_000_018)
    bot.send(mallory.command("report"), mallory.text(REPORT))
    bot.send(mallory.document("huge", file_size=30 * 1024 * 1024))
    assert "too large" in bot.api.last_text_to(mallory.chat_id)
    assert not bot.api.calls_to("getFile")


def test_a_file_that_is_not_an_image_is_refused_after_download(bot: Bot) -> None:
    mallory = Resident(333_000_019)
    bot.api.files["fake"] = b"%PDF-1.4 not an image at all"
    bot.send(mallory.command("report"), mallory.text(REPORT), mallory.document("fake", file_size=30))
    assert "not a photo we can read" in bot.api.last_text_to(mallory.chat_id)
    assert not ReportDraft.objects.get().photos.exists()


def test_photos_sent_as_files_are_kept_and_counted(bot: Bot) -> None:
    omar = Resident(333_000_020)
    bot.api.files["p1"] = make_photo()
    bot.api.files["p2"] = make_photo(fmt="PNG")
    bot.send(omar.command("report"), omar.text(REPORT), omar.document("p1", 100), omar.photo("p2", 100, caption="The pickup"))
    draft = ReportDraft.objects.get()
    assert draft.photos.count() == 2
    assert [p["text"] for p in draft.text_parts] == [REPORT, "The pickup"]
    assert "Photo 2 of 5 added" in bot.api.last_text_to(omar.chat_id)


def test_an_edited_message_replaces_its_part_of_the_report(bot: Bot) -> None:
    omar = Resident(333_000_021)
    bot.send(omar.command("report"))
    original = omar.text("A grey pickup with rifles at the customs office")
    bot.send(original, omar.text("Two men load it at night"))
    edited = {"update_id": original["update_id"] + 10_000,
              "edited_message": {**original["message"], "text": "A grey pickup with rifles behind the customs office",
                                 "edit_date": original["message"]["date"] + 30}}
    bot.send(edited)
    assert [p["text"] for p in ReportDraft.objects.get().text_parts] == [
        "A grey pickup with rifles behind the customs office", "Two men load it at night"]


def test_an_edit_of_an_old_message_opens_no_report(bot: Bot) -> None:
    omar = Resident(333_000_022)
    old = omar.text(REPORT)
    send_a_report(bot, omar)
    bot.send({"update_id": old["update_id"] + 20_000, "edited_message": {**old["message"], "edit_date": 1}})
    assert not ReportDraft.objects.filter(submitted_tip=None).exists()


def test_a_photo_out_of_the_blue_starts_a_report_with_it(bot: Bot) -> None:
    omar = Resident(333_000_023)
    bot.api.files["blue"] = make_photo()
    bot.send(omar.photo("blue", 100))
    assert ReportDraft.objects.get().photos.count() == 1
    assert ConversationState.objects.get().state == "writing"
    bot.send(omar.location(14.6, -90.5))
    assert ReportDraft.objects.get().latitude == 14.6


def test_a_bad_pin_while_writing_is_explained_and_the_resident_keeps_writing(bot: Bot) -> None:
    omar = Resident(333_000_024)
    bot.send(omar.command("report"), omar.text(REPORT), omar.location(123.0, 45.0))  # no such latitude
    assert ConversationState.objects.get().state == "writing"
    assert ReportDraft.objects.get().latitude is None
    bot.send(omar.press("report:done"))
    assert ConversationState.objects.get().state == "place"
