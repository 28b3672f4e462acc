"""What Tipline pushes to a reporter: caseworkers' messages and status notices (docs/intake.md).

Both go through reporting.channels, in the reporter's language. A reporter nobody can push
to (web and API) reads the same messages on their status page. Deliveries run in a worker
and are safe to run twice: a message is sent while it is pending, a notice is claimed once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import validation
from .channels import SendResult, channel_for, send_to_reporter
from .intake import reporter_facing_status
from .models import DeliveryState, Message, MessageDirection, Reporter, Tip, TipEvent, TipStatus
from .signals import message_for_reporter, tip_status_changed

logger = logging.getLogger(__name__)

# The changes a reporter hears about; the others (triaged, in review) would only be noise.
NOTIFIED_STATUSES = frozenset({
    TipStatus.VERIFIED, TipStatus.HANDED_OFF, TipStatus.CLOSED, TipStatus.REJECTED_SPAM,
    TipStatus.REJECTED_NOT_ACTIONABLE, TipStatus.REJECTED_DUPLICATE,
})
# Older undelivered messages and notices are not sent any more: news that late would confuse.
SWEEP_WINDOW = timedelta(days=2)
# A message younger than this may still be in its task's retries (a 429, a network error); the
# sweeper leaves it alone so that two tasks never send it side by side.
SWEEP_GRACE = timedelta(minutes=15)


def can_push_to(reporter: Reporter) -> bool:
    return reporter.forgotten_at is None and bool(reporter.reply_handle) and channel_for(reporter) is not None


def ask_reporter(tip: Tip, body: str, author: AbstractBaseUser | None = None) -> Message:
    """A caseworker writes to the reporter; it is sent after the transaction commits."""
    body = validation.clean_message_text(body)
    pushable = can_push_to(tip.reporter)
    with transaction.atomic():
        message = Message.objects.create(
            tip=tip,
            direction=MessageDirection.TO_REPORTER,
            body=body,
            author=author,
            delivery_state=DeliveryState.PENDING if pushable else DeliveryState.ON_REQUEST,
        )
        if pushable:
            transaction.on_commit(lambda: message_for_reporter.send(sender=Message, message_id=message.pk))
    return message


def _in_language(reporter: Reporter, build: Callable[[], str]) -> str:
    with translation.override(reporter.language or None):
        return build()


def message_text(message: Message) -> str:
    reporter = message.tip.reporter
    return _in_language(reporter, lambda: "\n\n".join([
        _("Message from the Tipline team about your report %(reference)s:") % {"reference": message.tip.reference},
        message.body,
        _("To answer, reply to this message."),
    ]))


def notice_text(event: TipEvent) -> str:
    reporter = event.tip.reporter
    return _in_language(reporter, lambda: _("Update on your report %(reference)s: %(status)s")
                        % {"reference": event.tip.reference, "status": reporter_facing_status(event.to_status)})


def deliver_message(message_id: int) -> SendResult | None:
    """Send one pending message; None when it is not pending (already sent, or failed for good)."""
    message = Message.objects.select_related("tip__reporter").filter(
        pk=message_id, delivery_state=DeliveryState.PENDING
    ).first()
    if message is None:
        return None
    result = send_to_reporter(message.tip.reporter, message_text(message))
    if result.delivered:
        Message.objects.filter(pk=message.pk).update(
            delivery_state=DeliveryState.SENT, delivered_at=timezone.now(),
            platform_message_id=result.platform_message_id, failure_reason="",
        )
    elif result.unreachable:
        mark_message_failed(message.pk, result.error)
    return result


def mark_message_failed(message_id: int, reason: str) -> None:
    Message.objects.filter(pk=message_id).update(delivery_state=DeliveryState.FAILED, failure_reason=reason[:200])


def announce_status_change(event: TipEvent) -> None:
    """Called by record_status_change: the notice goes out after the change commits."""
    if event.to_status in NOTIFIED_STATUSES:
        transaction.on_commit(lambda: tip_status_changed.send(sender=TipEvent, event_id=event.pk))


def send_status_notice(event_id: int) -> SendResult | None:
    """Claim the event's notice and send it; None when already claimed or nothing to push."""
    claimed = TipEvent.objects.filter(pk=event_id, reporter_notified_at=None).update(reporter_notified_at=timezone.now())
    if claimed != 1:
        return None
    event = TipEvent.objects.select_related("tip__reporter").get(pk=event_id)
    if event.to_status not in NOTIFIED_STATUSES or not can_push_to(event.tip.reporter):
        return None  # web reporters see the status when they check
    result = send_to_reporter(event.tip.reporter, notice_text(event))
    if not result.delivered and not result.unreachable:
        # Give the claim back, so the retry (or the sweeper) sends it.
        TipEvent.objects.filter(pk=event_id).update(reporter_notified_at=None)
    return result


def undelivered(limit: int = 200) -> tuple[list[int], list[int]]:
    """Pending messages and unsent notices of the last two days (the broker was down)."""
    now = timezone.now()
    since = now - SWEEP_WINDOW
    messages = Message.objects.filter(delivery_state=DeliveryState.PENDING, created_at__gte=since,
                                      created_at__lte=now - SWEEP_GRACE)
    events = TipEvent.objects.filter(reporter_notified_at=None, to_status__in=NOTIFIED_STATUSES, at__gte=since)
    return (list(messages.order_by("id").values_list("pk", flat=True)[:limit]),
            list(events.order_by("id").values_list("pk", flat=True)[:limit]))
