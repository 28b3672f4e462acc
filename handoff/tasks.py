"""Celery shells over handoff functions."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from . import delivery

logger = logging.getLogger(__name__)


@shared_task(name="handoff.tasks.deliver_handoff", bind=True, acks_late=True, max_retries=None)
def deliver_handoff(self, handoff_id: int) -> str:  # noqa: ANN001 - Celery's bound task
    attempt = self.request.retries + 1
    final = attempt >= settings.TIPLINE_HANDOFF_MAX_ATTEMPTS
    result = delivery.deliver(handoff_id, final_attempt=final)
    if result is None or result.delivered:
        return "done"
    logger.warning("handoff %s attempt %d failed: %s", handoff_id, attempt, result.error[:100])
    if final:
        return "failed"
    raise self.retry(countdown=delivery.retry_delay(self.request.retries))


def on_handoff_created(sender: object, handoff_id: int, **kwargs: object) -> None:
    try:
        deliver_handoff.apply_async((handoff_id,), retry=False)
    except Exception as exc:  # noqa: BLE001 - the handoff stays queued; a supervisor can retry it
        logger.warning("handoff %s not enqueued (%s)", handoff_id, type(exc).__name__)
