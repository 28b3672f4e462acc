"""Celery shells over triage functions; each is safe to run twice."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.signals import worker_init, worker_process_init
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reporting.locks import periodic_lock
from reporting.models import Tip, TipStatus

from . import pipeline, queue, retention, retraining
from .classify import active_classifier
from .dedupe import evidence
from .identifiers import identifier_matcher
from .language import configured_detector

logger = logging.getLogger(__name__)


@shared_task(name="triage.tasks.drain_waiting_tips")
def drain_waiting_tips() -> dict[str, int]:
    """Triage the oldest waiting tips, a batch at a time (triage.queue); safe to run any number of times.

    Acknowledged late: if the worker dies, the task is delivered again and the tips it held,
    released with its connection, are claimed anew.
    """
    batches = queue.drain_waiting_tips(settings.TIPLINE_TRIAGE_BATCH, ask_for_drain=lambda: publish_drain(force=True))
    counts: dict[str, int] = {}
    for batch in batches:
        for result in batch.tips.values():
            counts[result] = counts.get(result, 0) + 1
    return counts


@shared_task(name="triage.tasks.triage_tip")
def triage_tip(tip_id: int) -> str:
    """Triage one tip whose last try failed (the sweeper's retries). A copy of this task that
    waited in the queue while another copy already tried again does not try a third time."""
    retried_lately = timezone.now() - settings.TIPLINE_TRIAGE_RETRY_FAILED_AFTER
    if Tip.objects.filter(pk=tip_id, triage_failed_at__gt=retried_lately).exists():
        return "retried_lately"
    return pipeline.triage_batch([tip_id])[tip_id]


# After a failed publish, request-time publishes are skipped for this long: with Redis down
# each attempt costs seconds of redis-py's own retries, and a resident should not wait for
# them. The tips are stored; the sweeper (which ignores this pause) enqueues them later.
BROKER_PAUSE_SECONDS = 30.0
_broker_paused_until = 0.0


def _publish(task: Any, args: tuple[object, ...], *, during_outage: bool) -> bool:
    """Publish a task; False (and a log line) when the broker cannot take it now.

    The tips are already committed, so a failure here loses nothing: the sweeper finds them.
    `during_outage=True` tries even while publishes are paused (the worker's and sweeper's own).
    """
    global _broker_paused_until
    if not during_outage and time.monotonic() < _broker_paused_until:
        logger.info("%s left to the sweeper: the broker failed moments ago", task.name)
        return False
    try:
        task.apply_async(args, retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure means "the sweeper will do it"
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("%s not enqueued (%s); the sweeper will retry", task.name, type(exc).__name__)
        return False
    _broker_paused_until = 0.0
    return True


def publish_drain(*, force: bool = False) -> bool:
    """Ask a worker to drain the waiting tips, unless a drain is already due (`force`: ask anyway)."""
    if not force and queue.drain_already_due():
        return True
    return _publish(drain_waiting_tips, (), during_outage=force)


def enqueue_triage_after_commit(sender: object, tip_id: int, **kwargs: object) -> None:
    """A tip was committed: see that a drain will find it."""
    publish_drain()


def find_waiting_tips(older_than: timedelta, limit: int = 500) -> list[int]:
    """Tips still "received" a while after arriving, that no try has failed on yet."""
    cutoff = timezone.now() - older_than
    waiting = Tip.objects.filter(status=TipStatus.RECEIVED, received_at__lte=cutoff, triage_failed_at__isnull=True)
    return list(waiting.order_by("received_at").values_list("pk", flat=True)[:limit])


def find_failed_tips(failed_before: timedelta, limit: int = 100) -> list[int]:
    """Tips whose last triage failed long enough ago to be tried again."""
    cutoff = timezone.now() - failed_before
    failed = Tip.objects.filter(status=TipStatus.RECEIVED, triage_failed_at__lte=cutoff)
    return list(failed.order_by("triage_failed_at").values_list("pk", flat=True)[:limit])


@shared_task(name="triage.tasks.sweep_untriaged_tips")
def sweep_untriaged_tips() -> dict[str, int]:
    """Tips still "received" after a while (the broker was down, a worker died): a drain for the
    waiting ones, and a task of its own for each tip whose last try failed."""
    with periodic_lock("sweep-untriaged", timeout_seconds=120) as acquired:
        if not acquired:
            return {"skipped": 1}
        waiting = find_waiting_tips(settings.TIPLINE_TRIAGE_SWEEP_AFTER)
        drains = int(bool(waiting) and publish_drain(force=True))
        failed = find_failed_tips(settings.TIPLINE_TRIAGE_RETRY_FAILED_AFTER)
        retried = 0
        for tip_id in failed if drains or not waiting else ():  # not when the broker just failed
            if not _publish(triage_tip, (tip_id,), during_outage=True):
                break  # the broker is down: each further try would only wait; next run retries
            retried += 1
        return {"waiting": len(waiting), "drains": drains, "failed": len(failed), "retried": retried}


@shared_task(
    name="triage.tasks.retrain_classifier",
    time_limit=settings.TIPLINE_RETRAIN_TIME_LIMIT, soft_time_limit=settings.TIPLINE_RETRAIN_TIME_LIMIT - 60,
)
def retrain_classifier(run_id: int) -> str:
    """Train and compare a candidate classifier for one request (triage.retraining)."""
    candidate = retraining.run_retraining(run_id)
    return candidate.version if candidate else "already_started"


def publish_retraining(run_id: int) -> bool:
    return _publish(retrain_classifier, (run_id,), during_outage=True)


@shared_task(name="triage.tasks.sweep_retraining")
def sweep_retraining() -> dict[str, int]:
    """Requests no worker finished (the broker was down, the worker died): ask again."""
    runs = retraining.unfinished_runs()
    return {"runs": len(runs), "published": sum(publish_retraining(run_id) for run_id in runs)}


@shared_task(name="triage.tasks.scheduled_retraining")
def scheduled_retraining() -> int:
    """The beat job (TIPLINE_RETRAIN_EVERY_HOURS, off by default): a candidate for supervisors to
    compare and promote; never promoted by itself."""
    with transaction.atomic():
        return retraining.request_retraining().pk


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
    """Load the detector, tokenizers and word lists in the parent process, so forked pool workers
    share them.

    The classifier is loaded by each pool process on its first tip (it needs the database,
    whose connections must not cross a fork).
    """
    configured_detector()
    for language in settings.TIPLINE_DETECTION_LANGUAGES:
        identifier_matcher(language)
    evidence.preload()


@worker_process_init.connect
def load_classifier_once(**kwargs: object) -> None:
    """Each pool process loads the active classifier before its first tip, not during it."""
    try:
        active_classifier()
    except Exception as exc:  # noqa: BLE001 - no database yet: the first tip will load it
        logger.warning("classifier not preloaded (%s); the first tip will load it", type(exc).__name__)
