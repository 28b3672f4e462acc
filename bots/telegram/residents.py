"""Who is writing to the bot, as Tipline knows them: a pseudonymous Reporter (docs/privacy.md).

A resident is found by a keyed digest of their Telegram user id; the chat id needed to write
back is kept only encrypted. `forget_resident` cuts both, so their tips stay but can no longer
be tied to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reporting.intake import add_reporter_reply, reporter_facing_status
from reporting.models import Channel, Message, MessageDirection, Reporter, Tip
from reporting.privacy import encrypt_handle, new_pseudonym, reporter_lookup_key

from ..models import ReportDraft

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
MY_TIPS_SHOWN = 10


def supported_language(code: str | None) -> str:
    """The shipped language closest to a Telegram language code ("pt-br" → "pt"), or ""."""
    base = (code or "").lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGE_CODES else ""


def resident_for(user_id: int, chat_id: int) -> Reporter:
    """The resident's Reporter, created on first contact; only private chats reach here."""
    key = reporter_lookup_key(Channel.TELEGRAM, user_id)
    reporter = Reporter.objects.filter(lookup_key=key).first()
    if reporter is not None:
        return reporter
    with transaction.atomic():
        reporter, _created = Reporter.objects.get_or_create(
            lookup_key=key,
            defaults={"pseudonym": new_pseudonym(), "channel": Channel.TELEGRAM,
                      "reply_handle": encrypt_handle(str(chat_id))},
        )
    return reporter


def set_language(reporter: Reporter, language: str) -> None:
    if language not in LANGUAGE_CODES:
        raise ValueError(f"not a shipped language: {language!r}")
    reporter.language = language
    reporter.save(update_fields=["language"])


def set_subscribed(reporter: Reporter, subscribed: bool) -> None:
    reporter.subscribed = subscribed
    reporter.save(update_fields=["subscribed"])


def forget_resident(reporter: Reporter) -> None:
    """Delete the reply handle, subscriptions and unsent draft; the tips stay, untied."""
    with transaction.atomic():
        ReportDraft.objects.filter(reporter=reporter).delete()
        reporter.lookup_key = None
        reporter.reply_handle = None
        reporter.subscribed = False
        reporter.forgotten_at = timezone.now()
        reporter.save(update_fields=["lookup_key", "reply_handle", "subscribed", "forgotten_at"])


def forget_idle_residents(now: datetime | None = None) -> int:
    """Forget residents with nothing left here, as `/forgetme` would; returns how many.

    Nothing left: no tips (retention deleted them, or none was ever sent), no subscription, no
    report being written, and known for longer than the retention period. Their look-up digest
    and encrypted chat handle served only to answer them about their tips.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.TIPLINE_RETENTION_DAYS)
    idle = Reporter.objects.filter(
        channel=Channel.TELEGRAM, forgotten_at__isnull=True, subscribed=False, created_at__lt=cutoff,
        tips__isnull=True, telegram_draft__isnull=True,
    )
    return idle.update(lookup_key=None, reply_handle=None, forgotten_at=now or timezone.now())


@dataclass(frozen=True)
class TipLine:
    reference: str
    received_at: datetime
    status: str  # as the reporter is told it, in the active language


def resident_tips(reporter: Reporter) -> list[TipLine]:
    tips = Tip.objects.filter(reporter=reporter).order_by("-received_at")[:MY_TIPS_SHOWN]
    return [TipLine(tip.reference, tip.received_at, reporter_facing_status(tip.status)) for tip in tips]


def answer_question(reporter: Reporter, replied_to_message_id: int, text: str) -> Tip | None:
    """Store a reply to a caseworker's message in that tip's thread; None when the replied-to
    message is not a question of ours to this resident."""
    question = (
        Message.objects.filter(
            tip__reporter=reporter, direction=MessageDirection.TO_REPORTER, platform_message_id=str(replied_to_message_id)
        ).select_related("tip").first()
    )
    if question is None:
        return None
    add_reporter_reply(question.tip, text)
    return question.tip

