"""Start, language, menu, help, my tips, subscriptions and forgetting: one step each, no state.

    /start [code] ──► safety note ──► language buttons ──► menu (Report · My reports · Help)
    /language ──► language buttons          /forgetme ──► Yes / No ──► forgotten
"""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from reporting.models import Reporter

from ..persistence import forget_conversations
from ..residents import (
    LANGUAGE_CODES,
    forget_resident,
    resident_tips,
    set_language,
    set_subscribed,
)
from .common import NATIVE_NAMES, Context, as_resident, db, keyboard, say

CAMPAIGN_CODE_MAX = 32


def safety_note() -> str:
    return _(
        "Tipline: report what you saw, safely.\n\n"
        "• We do not keep your name, phone number or Telegram account, only a code to write back to you.\n"
        "• You can delete this chat at any time; /forgetme also removes that code.\n"
        "• Do not forward messages that show who sent them, and do not write your own name in a report."
    )


def language_keyboard() -> object:
    codes = LANGUAGE_CODES
    return keyboard(*[[(NATIVE_NAMES.get(c, c), f"lang:{c}") for c in codes[i:i + 2]] for i in range(0, len(codes), 2)])


def menu_keyboard() -> object:
    return keyboard([(_("Report something"), "menu:report")], [(_("My reports"), "menu:mytips"), (_("Help"), "menu:help")])


def help_text() -> str:
    return _(
        "/report — report what you saw\n"
        "/mytips — your reports and their status\n"
        "/language — change the language\n"
        "/subscribe — receive awareness messages; /stop to stop them\n"
        "/forgetme — remove the link between you and your reports\n"
        "/cancel — stop what you are doing\n\n"
        "To answer a question from our team, reply to its message."
    )


def clean_campaign_code(payload: str) -> str:
    """Deep-link payloads are at most 64 of A–Z a–z 0–9 _ -; anything else is not a campaign."""
    code = payload.strip()[:CAMPAIGN_CODE_MAX]
    return code if code and all(c.isascii() and (c.isalnum() or c in "_-") for c in code) else ""


def remember_campaign(reporter: Reporter, code: str) -> None:
    reporter.campaign_code = code
    reporter.save(update_fields=["campaign_code"])


@as_resident
async def start(update: Update, context: Context, reporter: Reporter) -> None:
    """Safety first, then the language choice; a deep-link code is kept for attribution."""
    code = clean_campaign_code(context.args[0]) if context.args else ""
    if code:
        await db(remember_campaign)(reporter, code)
    await say(update, safety_note())
    await say(update, _("Choose your language:"), language_keyboard())


@as_resident
async def choose_language(update: Update, context: Context, reporter: Reporter) -> None:
    """/language: the language buttons again."""
    await say(update, _("Choose your language:"), language_keyboard())


@as_resident
async def language_chosen(update: Update, context: Context, reporter: Reporter) -> None:
    """A language button: remember it and answer in it from now on."""
    code = (update.callback_query.data or "").removeprefix("lang:") if update.callback_query else ""
    if code not in LANGUAGE_CODES:
        return
    await db(set_language)(reporter, code)
    with translation.override(code):
        await say(update, _("Language saved."))
        await say(update, _("What would you like to do?"), menu_keyboard())


@as_resident
async def show_help(update: Update, context: Context, reporter: Reporter) -> None:
    """/help and the Help button."""
    await say(update, help_text(), menu_keyboard())


@as_resident
async def my_tips(update: Update, context: Context, reporter: Reporter) -> None:
    """/mytips: references and statuses, newest first."""
    tips = await db(resident_tips)(reporter)
    if not tips:
        await say(update, _("You have not sent any reports yet. Send /report to start one."))
        return
    lines = [f"{t.reference} · {formats.date_format(t.received_at, 'SHORT_DATE_FORMAT')} · {t.status}" for t in tips]
    await say(update, _("Your reports:") + "\n\n" + "\n".join(lines))


@as_resident
async def subscribe(update: Update, context: Context, reporter: Reporter) -> None:
    """/subscribe to campaign messages."""
    await db(set_subscribed)(reporter, True)
    await say(update, _("You will receive awareness messages from Tipline. Send /stop to stop them."))


@as_resident
async def unsubscribe(update: Update, context: Context, reporter: Reporter) -> None:
    """/stop campaign messages, at once (also in the middle of a broadcast)."""
    await db(set_subscribed)(reporter, False)
    await say(update, _("You will not receive awareness messages any more. Send /subscribe to receive them again."))


@as_resident
async def ask_to_forget(update: Update, context: Context, reporter: Reporter) -> None:
    """/forgetme: explain, then ask to confirm."""
    await say(
        update,
        _("This removes the link between you and your reports: your reports stay, but nobody, not even us, "
          "can tell they were yours, and we can no longer answer you or ask you questions about them. "
          "Continue?"),
        keyboard([(_("Yes, forget me"), "forget:yes"), (_("No"), "forget:no")]),
    )


@as_resident
async def forget_confirmed(update: Update, context: Context, reporter: Reporter) -> None:
    """The resident confirmed: cut every link, conversations included."""
    if update.callback_query is None or update.callback_query.data != "forget:yes":
        await say(update, _("Nothing was changed."))
        return
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    await db(forget_resident)(reporter)
    await db(forget_conversations)(chat.id, user.id)
    # The conversation the running bot holds in memory goes too, or it would be written back.
    for handler in context.application.handlers.get(0, []):
        conversations = getattr(handler, "_conversations", None)
        if conversations is not None:
            conversations.pop((chat.id, user.id), None)
    await say(update, _("Done. You are forgotten. You may also delete this chat."))


def account_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", start),
        CommandHandler("language", choose_language),
        CallbackQueryHandler(language_chosen, pattern=r"^lang:"),
        CommandHandler("help", show_help),
        CallbackQueryHandler(show_help, pattern=r"^menu:help$"),
        CommandHandler("mytips", my_tips),
        CallbackQueryHandler(my_tips, pattern=r"^menu:mytips$"),
        CommandHandler("subscribe", subscribe),
        CommandHandler("stop", unsubscribe),
        CommandHandler("forgetme", ask_to_forget),
        CallbackQueryHandler(forget_confirmed, pattern=r"^forget:"),
    ]
