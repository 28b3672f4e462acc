"""Celery shells over reporting functions."""

from __future__ import annotations

import logging

from celery import shared_task

from . import notices
from .attachments import purge_stale_quarantine as purge
from .channels import SendResult
from .locks import periodic_lock

logger = logging.getLogger(__name__)

MAX_SEND_RETRIES = 5


@shared_task(name="reporting.tasks.purge_stale_quarantine")
def purge_stale_quarantine() -> dict[str, int]:
    with periodic_lock("purge-quarantine", timeout_seconds=600) as acquired:
        return purge() if acquired else {"skipped": 1}


def _retry_delay(result: SendResult, retries: int) -> float:
    """The platform's retry_after when it gave one, else 10 s, 20 s, 40 s ..."""
    return result.retry_after if result.retry_after is not None else 10.0 * 2**retries


@shared_task(name="reporting.tasks.deliver_message", bind=True, acks_late=True, max_retries=MAX_SEND_RETRIES)
def deliver_message(self, message_id: int) -> str:  # noqa: ANN001 - Celery's bound task
    result = notices.deliver_message(message_id)
    if result is None or result.delivered or result.unreachable:
        return "done"
    if self.request.retries >= MAX_SEND_RETRIES:
        notices.mark_message_failed(message_id, result.error)
        return "failed"
    raise self.retry(countdown=_retry_delay(result, self.request.retries))


@shared_task(name="reporting.tasks.send_status_notice", bind=True, acks_late=True, max_retries=MAX_SEND_RETRIES)
def send_status_notice(self, event_id: int) -> str:  # noqa: ANN001 - Celery's bound task
    result = notices.send_status_notice(event_id)
    if result is None or result.delivered or result.unreachable or self.request.retries >= MAX_SEND_RETRIES:
        return "done"
    raise self.retry(countdown=_retry_delay(result, self.request.retries))


@shared_task(name="reporting.tasks.sweep_undelivered")
def sweep_undelivered() -> dict[str, int]:
    """Enqueue messages and notices whose first publish failed (broker down)."""
    with periodic_lock("sweep-undelivered", timeout_seconds=120) as acquired:
        if not acquired:
            return {"skipped": 1}
        message_ids, event_ids = notices.undelivered()
        for message_id in message_ids:
            deliver_message.apply_async((message_id,), retry=False)
        for event_id in event_ids:
            send_status_notice.apply_async((event_id,), retry=False)
        return {"messages": len(message_ids), "notices": len(event_ids)}


def publish_or_leave_to_sweeper(task: object, *args: object) -> None:
    """Publish once the row is committed; a broker failure is logged and left to the sweeper."""
    try:
        task.apply_async(args, retry=False)  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - any broker failure means "the sweeper will do it"
        logger.warning("%s not enqueued (%s); the sweeper will retry", task.name, type(exc).__name__)  # type: ignore[attr-defined]


def on_message_for_reporter(sender: object, message_id: int, **kwargs: object) -> None:
    publish_or_leave_to_sweeper(deliver_message, message_id)


def on_tip_status_changed(sender: object, event_id: int, **kwargs: object) -> None:
    publish_or_leave_to_sweeper(send_status_notice, event_id)
