"""Celery shells over triage functions; each takes ids and is safe to run twice."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_init, worker_process_init
from celery_batches import Batches, SimpleRequest
from django.conf import settings
from django.utils import timezone

from reporting.locks import periodic_lock
from reporting.models import Tip, TipStatus

from . import pipeline, retention
from .classify import active_classifier
from .identifiers import identifier_matcher
from .language import configured_detector

logger = logging.getLogger(__name__)


@shared_task(name="triage.tasks.triage_tip", base=Batches, acks_late=True,
             flush_every=settings.TIPLINE_TRIAGE_BATCH, flush_interval=settings.TIPLINE_TRIAGE_BATCH_WAIT_SECONDS)
def triage_tip(requests: list[SimpleRequest]) -> dict[int, str]:
    """One message per tip; the worker hands them over in batches (celery-batches).

    The batch is what arrived within TIPLINE_TRIAGE_BATCH_WAIT_SECONDS, at most
    TIPLINE_TRIAGE_BATCH tips. Acknowledged only after the batch is written, so a killed worker's
    tips are delivered again.
    """
    tip_ids = []
    for request in requests:
        tip_id = request.args[0] if len(request.args) == 1 else None
        if isinstance(tip_id, int) and not isinstance(tip_id, bool):
            tip_ids.append(tip_id)
        else:
            logger.warning("triage task %s ignored: it does not name one tip", request.id)
    return pipeline.triage_batch(tip_ids) if tip_ids else {}


# After a failed publish, request-time publishes are skipped for this long: with Redis down
# each attempt costs seconds of redis-py's own retries, and a resident should not wait for
# them. The tips are stored; the sweeper (which ignores this pause) enqueues them later.
BROKER_PAUSE_SECONDS = 30.0
_broker_paused_until = 0.0


def enqueue_triage(tip_id: int, *, during_outage: bool = False) -> bool:
    """Publish a triage task; False (and a log line) when the broker cannot take it now.

    The tip is already committed, so a failure here loses nothing: the sweeper finds it.
    `during_outage=True` tries even while publishes are paused (the sweeper's own attempts).
    """
    global _broker_paused_until
    if not during_outage and time.monotonic() < _broker_paused_until:
        logger.info("triage of tip %s left to the sweeper: the broker failed moments ago", tip_id)
        return False
    try:
        triage_tip.apply_async((tip_id,), retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure means "the sweeper will do it"
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("triage of tip %s not enqueued (%s); the sweeper will retry", tip_id, type(exc).__name__)
        return False
    _broker_paused_until = 0.0
    return True


def enqueue_triage_after_commit(sender: object, tip_id: int, **kwargs: object) -> None:
    enqueue_triage(tip_id)


def find_untriaged_tips(older_than: timedelta, limit: int = 500) -> list[int]:
    cutoff = timezone.now() - older_than
    untriaged = Tip.objects.filter(status=TipStatus.RECEIVED, received_at__lte=cutoff)
    return list(untriaged.order_by("received_at").values_list("pk", flat=True)[:limit])


@shared_task(name="triage.tasks.sweep_untriaged_tips")
def sweep_untriaged_tips() -> dict[str, int]:
    """Re-enqueue tips still "received" after a while (broker was down, worker was killed)."""
    with periodic_lock("sweep-untriaged", timeout_seconds=120) as acquired:
        if not acquired:
            return {"skipped": 1}
        tip_ids = find_untriaged_tips(settings.TIPLINE_TRIAGE_SWEEP_AFTER)
        requeued = 0
        for tip_id in tip_ids:
            if not enqueue_triage(tip_id, during_outage=True):
                break  # the broker is down: each further try would only wait; next run retries
            requeued += 1
        return {"requeued": requeued, "found": len(tip_ids)}


@shared_task(name="triage.tasks.purge_expired_tips")
def purge_expired_tips() -> dict[str, int]:
    """Every night: delete tips past their retention period (triage.retention)."""
    with periodic_lock("purge-expired-tips", timeout_seconds=3600) as acquired:
        if not acquired:
            return {"skipped": 1}
        purged = retention.purge_expired_tips()
        logger.info("retention: %d tips, %d files, %d incidents, %d handoffs deleted",
                    purged.tips, purged.files, purged.incidents, purged.handoffs)
        return vars(purged)


@worker_init.connect
def load_models_once(**kwargs: object) -> None:
    """Load the detector and tokenizers in the parent process, so forked pool workers share them.

    The classifier is loaded by each pool process on its first tip (it needs the database,
    whose connections must not cross a fork).
    """
    configured_detector()
    for language in settings.TIPLINE_DETECTION_LANGUAGES:
        identifier_matcher(language)


@worker_process_init.connect
def load_classifier_once(**kwargs: object) -> None:
    """Each pool process loads the active classifier before its first tip, not during it."""
    try:
        active_classifier()
    except Exception as exc:  # noqa: BLE001 - no database yet: the first tip will load it
        logger.warning("classifier not preloaded (%s); the first tip will load it", type(exc).__name__)
