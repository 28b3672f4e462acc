"""Retention: tips closed longer ago than TIPLINE_RETENTION_DAYS are deleted (docs/privacy.md).

A tip is kept while anyone may still work on it. Once it reached a final status (rejected,
handed off, closed) and stayed there for the retention period, the nightly job deletes it with
everything that came from it: its photos (files included), status history, message thread,
triage findings, duplicate-index rows and training examples. An incident left without tips goes
too, with its handoffs (their packets hold the tips' redacted text); one that keeps other tips
is recounted. The staff audit trail stays: it names references, never content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from reporting.models import Attachment, Tip, TipStatus

from .dedupe.store import recount
from .models import Incident, TipTriage, TrainingExample

logger = logging.getLogger(__name__)

FINAL_STATUSES = (
    TipStatus.REJECTED_SPAM, TipStatus.REJECTED_NOT_ACTIONABLE, TipStatus.REJECTED_DUPLICATE,
    TipStatus.HANDED_OFF, TipStatus.CLOSED,
)


@dataclass
class Purged:
    tips: int = 0
    files: int = 0
    incidents: int = 0
    handoffs: int = 0


def expired_tips(now: datetime | None = None) -> QuerySet[Tip]:
    cutoff = (now or timezone.now()) - timedelta(days=settings.TIPLINE_RETENTION_DAYS)
    return Tip.objects.filter(status__in=FINAL_STATUSES, status_changed_at__lt=cutoff)


def purge_expired_tips(now: datetime | None = None, batch: int = 200) -> Purged:
    """Delete expired tips, a batch per transaction, until none is left."""
    purged = Purged()
    while _purge_batch(now, batch, purged):
        pass
    return purged


def _purge_batch(now: datetime | None, batch: int, purged: Purged) -> bool:
    handoff_model = apps.get_model("handoff", "Handoff")  # the handoff app builds on this one
    with transaction.atomic():
        # Rows a caseworker holds right now are left for the next run.
        tip_ids = list(expired_tips(now).select_for_update(skip_locked=True).order_by("pk")
                       .values_list("pk", flat=True)[:batch])
        if not tip_ids:
            return False
        names = list(Attachment.objects.filter(tip_id__in=tip_ids).values_list("file", "quarantine_name"))
        files = [name for name, _quarantined in names if name]
        quarantined = [name for _file, name in names if name]
        incident_ids = set(TipTriage.objects.filter(tip_id__in=tip_ids, incident__isnull=False)
                           .values_list("incident_id", flat=True))
        TrainingExample.objects.filter(tip_id__in=tip_ids).delete()
        Tip.objects.filter(pk__in=tip_ids).delete()  # cascades: events, photos, messages, triage, index rows
        emptied = list(Incident.objects.filter(pk__in=incident_ids, tip_triages__isnull=True).values_list("pk", flat=True))
        purged.handoffs += handoff_model.objects.filter(incident_id__in=emptied).delete()[1].get("handoff.Handoff", 0)
        Incident.objects.filter(pk__in=emptied).delete()
        for incident in Incident.objects.filter(pk__in=incident_ids - set(emptied)):
            recount(incident)
        # Files go once the rows are gone for good: a rollback must not leave rows without files.
        transaction.on_commit(lambda: _delete_files(files, quarantined))
    purged.tips += len(tip_ids)
    purged.files += len(files) + len(quarantined)
    purged.incidents += len(emptied)
    return True


def _delete_files(files: list[str], quarantined: list[str]) -> None:
    for storage, names in ((storages["default"], files), (storages["quarantine"], quarantined)):
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("a purged tip's file could not be deleted")
