"""The report conversation (diagram: report.mmd beside this file).

Everything the resident sends is written to their ReportDraft as it arrives, so the state in
python-telegram-bot's persistence and the draft in the database always agree after a restart.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from telegram import Message, Update
from telegram.constants import FileSizeLimit
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from reporting.models import OccurredWindow, Reporter

from .. import drafts
from ..drafts import current_draft
from .common import Context, as_resident, db, keyboard, say
from .unsupported import unsupported_input

WRITING, PLACE, WHEN, PHOTOS, REVIEW = "writing", "place", "when", "photos", "review"
END = ConversationHandler.END

WINDOW_BUTTONS = [OccurredWindow.NOW, OccurredWindow.TODAY, OccurredWindow.YESTERDAY, OccurredWindow.EARLIER]
PHOTO_INPUT = filters.PHOTO | filters.Document.IMAGE
TEXT_INPUT = filters.TEXT & ~filters.COMMAND


def first_error(error: ValidationError) -> str:
    return str(error.messages[0]) if error.messages else _("That could not be used.")


async def stored(update: Update, change: Callable[..., object], *args: object) -> bool:
    """Apply one change to the draft; on bad input tell the resident why and change nothing.

    Callers return None when this is False: the conversation stays in the step it was in.
    """
    try:
        await db(change)(*args)
    except ValidationError as error:
        await say(update, first_error(error))
        return False
    return True


# --- Prompts ------------------------------------------------------------------------------------


async def prompt_writing(update: Update) -> str:
    await say(update, _("Tell us what you saw: what, where, who, which vehicles. You can send several messages "
                        "and photos. Do not write your own name. Press Done when you have finished."),
              keyboard([(_("Done"), "report:done")]))
    return WRITING


async def prompt_place(update: Update) -> str:
    await say(update, _("Where did it happen? Send a location pin (📎 → Location) or type the place. "
                        "Only share a pin if it is safe for you."),
              keyboard([(_("Skip"), "report:skip")]))
    return PLACE


async def prompt_when(update: Update) -> str:
    await say(update, _("Roughly when did it happen? Press a button or type it."),
              keyboard([(OccurredWindow.NOW.label, "when:now"), (OccurredWindow.TODAY.label, "when:today")],
                       [(OccurredWindow.YESTERDAY.label, "when:yesterday"),
                        (OccurredWindow.EARLIER.label, "when:earlier")]))
    return WHEN


async def prompt_photos(update: Update) -> str:
    await say(update, _("Do you have photos? Send up to %(count)d, as photos or files. Photos are cleaned "
                        "of hidden data (such as the place they were taken) before anyone sees them.")
              % {"count": settings.TIPLINE_MAX_PHOTOS},
              keyboard([(_("No photos"), "report:skip"), (_("Done"), "report:done")]))
    return PHOTOS


def review_text(draft: object) -> str:
    assert isinstance(draft, drafts.ReportDraft)
    text = drafts.draft_text(draft)
    shown = text if len(text) <= 600 else text[:600] + "…"
    if draft.latitude is not None:
        place = _("a location pin") + (f" ({draft.place_name})" if draft.place_name else "")
    else:
        place = draft.place_name or _("not given")
    when = (OccurredWindow(draft.occurred_window).label if draft.occurred_window else draft.occurred_text) or _("not given")
    return "\n".join([
        _("Please check your report before sending it."),
        "",
        shown,
        "",
        _("Place: %(place)s") % {"place": place},
        _("When: %(when)s") % {"when": when},
        _("Photos: %(count)d") % {"count": drafts.photo_count(draft)},
    ])


async def prompt_review(update: Update, reporter: Reporter) -> str:
    draft = await db(current_draft)(reporter)
    if draft is None:
        return await lost_draft(update)
    await say(update, await db(review_text)(draft),
              keyboard([(_("Send the report"), "report:send")], [(_("Cancel"), "report:cancel")]))
    return REVIEW


async def lost_draft(update: Update) -> int:
    await say(update, _("This report is no longer open. Send /report to start again."))
    return END


# --- Steps ---------------------------------------------------------------------------------------


@as_resident
async def begin(update: Update, context: Context, reporter: Reporter) -> str:
    """/report or the Report button: a fresh draft."""
    await db(drafts.start_draft)(reporter)
    return await prompt_writing(update)


@as_resident
async def begin_with_text(update: Update, context: Context, reporter: Reporter) -> str:
    """Text out of the blue starts a report with it: the resident should not have to know /report."""
    draft = await db(drafts.start_draft)(reporter)
    await _take_text(update, draft)
    return WRITING


async def begin_with_photo_or_pin(update: Update, context: Context) -> str:
    """A photo or a pin out of the blue starts a report too; the text follows."""
    await begin(update, context)
    message = update.effective_message
    if message is not None and message.location is not None:
        await take_pin(update, context)
    else:
        await take_photo(update, context)
    return WRITING


@as_resident
async def add_text(update: Update, context: Context, reporter: Reporter) -> int | None:
    """Another message of the report, in whatever step it arrives."""
    draft = await db(current_draft)(reporter)
    if draft is None:
        return await lost_draft(update)
    return await _take_text(update, draft)


async def _take_text(update: Update, draft: drafts.ReportDraft) -> None:
    """Returns None: the conversation stays in its step."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if await stored(update, drafts.add_text, draft, message.message_id, message.text):
        await say(update, _("Added. Send more, or press Done."), keyboard([(_("Done"), "report:done")]))


@as_resident
async def finish_writing(update: Update, context: Context, reporter: Reporter) -> str | int:
    """Done with the text: it must say enough, then the place."""
    draft = await db(current_draft)(reporter)
    if draft is None:
        return await lost_draft(update)
    try:
        await db(drafts.check_text_is_enough)(draft)
    except ValidationError as error:
        await say(update, first_error(error), keyboard([(_("Done"), "report:done")]))
        return WRITING
    if draft.latitude is not None or draft.place_name:
        return await prompt_when(update)  # a pin came with the text already
    return await prompt_place(update)


@as_resident
async def take_pin(update: Update, context: Context, reporter: Reporter) -> str | int | None:
    """A location pin, in the place step or sent along with the text."""
    draft = await db(current_draft)(reporter)
    message = update.effective_message
    if draft is None or message is None or message.location is None:
        return await lost_draft(update)
    location = message.location
    if not await stored(update, drafts.set_pin, draft, location.latitude, location.longitude):
        return None  # a bad pin while writing keeps the resident writing
    step = await db(_step_after_pin)(draft)
    if step == WRITING:
        await say(update, _("Place added. Send more, or press Done."), keyboard([(_("Done"), "report:done")]))
        return WRITING
    return await prompt_when(update)


def _step_after_pin(draft: drafts.ReportDraft) -> str:
    # A pin sent before the text is finished belongs to the text step: keep writing.
    try:
        drafts.check_text_is_enough(draft)
    except ValidationError:
        return WRITING
    return WHEN


@as_resident
async def take_place_name(update: Update, context: Context, reporter: Reporter) -> str | int | None:
    """A typed place."""
    draft = await db(current_draft)(reporter)
    message = update.effective_message
    if draft is None or message is None or message.text is None:
        return await lost_draft(update)
    if not await stored(update, drafts.set_place_name, draft, message.text):
        return None
    return await prompt_when(update)


@as_resident
async def skip_place(update: Update, context: Context, reporter: Reporter) -> str:
    """No place."""
    return await prompt_when(update)


@as_resident
async def take_window(update: Update, context: Context, reporter: Reporter) -> str | int:
    """A "when" button."""
    draft = await db(current_draft)(reporter)
    data = update.callback_query.data if update.callback_query else ""
    if draft is None:
        return await lost_draft(update)
    await db(drafts.set_window)(draft, (data or "").removeprefix("when:"))
    return await prompt_photos(update)


@as_resident
async def take_when_text(update: Update, context: Context, reporter: Reporter) -> str | int | None:
    """A typed "when"."""
    draft = await db(current_draft)(reporter)
    message = update.effective_message
    if draft is None or message is None or message.text is None:
        return await lost_draft(update)
    if not await stored(update, drafts.set_when_text, draft, message.text):
        return None
    return await prompt_photos(update)


@as_resident
async def take_photo(update: Update, context: Context, reporter: Reporter) -> str | int | None:
    """A photo, sent as a photo or as a file; checked now, cleaned on the server after sending."""
    draft = await db(current_draft)(reporter)
    message = update.effective_message
    if draft is None or message is None:
        return await lost_draft(update)
    data = await download_photo(update, message)
    if data is None:
        return None  # already answered; the step stays the same
    try:
        count = await db(drafts.add_photo)(draft, message.message_id, data)
    except ValidationError as error:
        await say(update, first_error(error))
        return None
    if message.caption:
        await stored(update, drafts.add_text, draft, message.message_id, message.caption)
    await say(update, _("Photo %(count)d of %(max)d added.") % {"count": count, "max": settings.TIPLINE_MAX_PHOTOS},
              keyboard([(_("Done"), "report:done")]))
    return None


async def download_photo(update: Update, message: Message) -> bytes | None:
    """The photo's bytes from Telegram, or None after telling the resident why not."""
    if message.photo:
        size = message.photo[-1]  # the largest Telegram made
        file_id, file_size = size.file_id, size.file_size
    elif message.document is not None:
        file_id, file_size = message.document.file_id, message.document.file_size
    else:
        return None
    limit = min(settings.TIPLINE_MAX_PHOTO_BYTES, FileSizeLimit.FILESIZE_DOWNLOAD)
    if file_size and file_size > limit:
        await say(update, _("This file is too large (at most %(size)d MB). Please send a smaller photo.")
                  % {"size": limit // (1024 * 1024)})
        return None
    telegram_file = await message.get_bot().get_file(file_id)
    return bytes(await telegram_file.download_as_bytearray())


@as_resident
async def finish_photos(update: Update, context: Context, reporter: Reporter) -> str | int:
    """Photos done (or none): show the review."""
    return await prompt_review(update, reporter)


@as_resident
async def send_report(update: Update, context: Context, reporter: Reporter) -> int | str:
    """Send: the tip is committed by intake before the resident is told its reference.

    Sent already (a double tap, or this update handled again after a crash before the answer
    went out): the same reference is given again.
    """
    try:
        submitted = await db(drafts.submit_draft)(reporter)
    except drafts.ReportDraft.DoesNotExist:
        return await lost_draft(update)
    except ValidationError as error:  # checked step by step already; a limit may have changed since
        await say(update, first_error(error))
        return REVIEW
    await say(update, _("Thank you. Your report was received.\nReference: %(reference)s\n\n"
                        "Send /mytips to follow it. If our team has a question, it will arrive here; "
                        "answer by replying to it.") % {"reference": submitted.reference})
    return END


@as_resident
async def review_hint(update: Update, context: Context, reporter: Reporter) -> None:
    """Text at the review: the report is complete, so point at the buttons."""
    await say(update, _("Press “Send the report” to send it, or /cancel to drop it."))


@as_resident
async def cancel(update: Update, context: Context, reporter: Reporter) -> int:
    """/cancel anywhere: the draft is deleted, nothing is sent."""
    await db(drafts.discard_draft)(reporter)
    await say(update, _("Cancelled. Nothing was sent."))
    return END


async def stale_button(update: Update, context: Context) -> None:
    """A button from an earlier step: say so, stay where we are."""
    if update.callback_query is not None:
        await update.callback_query.answer(_("This button is no longer active."))


def build_report_conversation() -> ConversationHandler:
    pin = MessageHandler(filters.LOCATION, take_pin)
    photo = MessageHandler(PHOTO_INPUT, take_photo)
    return ConversationHandler(
        name="report",
        persistent=True,
        # Not allow_reentry: free text is an entry point and must not restart a report in
        # progress. /report and the Report button restart it from the fallbacks instead.
        allow_reentry=False,
        entry_points=[
            CommandHandler("report", begin),
            CallbackQueryHandler(begin, pattern=r"^menu:report$"),
            # Only new messages: an edit of an old message must not open a report.
            MessageHandler(TEXT_INPUT & ~filters.REPLY & filters.UpdateType.MESSAGE, begin_with_text),
            MessageHandler((PHOTO_INPUT | filters.LOCATION) & filters.UpdateType.MESSAGE, begin_with_photo_or_pin),
        ],
        states={
            WRITING: [MessageHandler(TEXT_INPUT, add_text), photo, pin,
                      CallbackQueryHandler(finish_writing, pattern=r"^report:done$")],
            PLACE: [pin, photo, MessageHandler(TEXT_INPUT, take_place_name),
                    CallbackQueryHandler(skip_place, pattern=r"^report:skip$")],
            WHEN: [CallbackQueryHandler(take_window, pattern=r"^when:(now|today|yesterday|earlier)$"),
                   photo, MessageHandler(TEXT_INPUT, take_when_text)],
            PHOTOS: [photo, MessageHandler(TEXT_INPUT, add_text),
                     CallbackQueryHandler(finish_photos, pattern=r"^report:(done|skip)$")],
            REVIEW: [CallbackQueryHandler(send_report, pattern=r"^report:send$"),
                     CallbackQueryHandler(cancel, pattern=r"^report:cancel$"),
                     MessageHandler(TEXT_INPUT | PHOTO_INPUT, review_hint)],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("report", begin),
            CallbackQueryHandler(begin, pattern=r"^menu:report$"),
            MessageHandler(~filters.COMMAND & ~filters.TEXT & ~PHOTO_INPUT & ~filters.LOCATION, unsupported_input),
            CallbackQueryHandler(stale_button, pattern=r"^(report|when):"),
        ],
    )


def report_handlers() -> list[BaseHandler]:
    return [build_report_conversation()]
