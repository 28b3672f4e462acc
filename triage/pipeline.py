"""The triage pipeline: a sequence of plain step functions run per tip (docs/triage.md).

1. load the tip; stop if it is no longer "received" (a redelivered task finds it done);
2. run each step in order, timing it; steps read the context and add updates to it;
3. write every update and the move to "triaged" in one transaction, once: the row is locked
   and its status checked again, so two deliveries of the same task cannot both write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from reporting.attachments import clean_pending_attachments
from reporting.intake import record_status_change
from reporting.models import Tip, TipStatus

from .language import detect_language


@dataclass
class TriageContext:
    tip_id: int
    text: str
    declared_language: str
    # Field values to write on the Tip when the pipeline finishes.
    tip_updates: dict[str, Any] = field(default_factory=dict)
    # Callables run inside the final transaction with the locked tip (for rows of other models).
    writers: list[Callable[[Tip], None]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


Step = Callable[[TriageContext], None]


def clean_attachments_step(context: TriageContext) -> None:
    clean_pending_attachments(context.tip_id)


def language_step(context: TriageContext) -> None:
    detected = detect_language(context.text, context.declared_language)
    context.tip_updates["detected_language"] = detected.code
    context.tip_updates["language_confidence"] = detected.confidence


# Later steps (identifiers, classification, urgency, duplicates, routing) plug in here.
STEPS: list[tuple[str, Step]] = [
    ("attachments", clean_attachments_step),
    ("language", language_step),
]


def triage_tip(tip_id: int, steps: list[tuple[str, Step]] | None = None) -> str:
    """Run the pipeline for one tip; returns "triaged", "already_triaged" or "missing"."""
    tip = Tip.objects.filter(pk=tip_id).only("status", "text", "declared_language").first()
    if tip is None:
        return "missing"
    if tip.status != TipStatus.RECEIVED:
        return "already_triaged"
    context = TriageContext(tip_id=tip_id, text=tip.text, declared_language=tip.declared_language)
    for name, step in steps if steps is not None else STEPS:
        started = time.perf_counter()
        step(context)
        context.timings_ms[name] = round((time.perf_counter() - started) * 1000, 3)
    return _record(context)


def _record(context: TriageContext) -> str:
    with transaction.atomic():
        tip = Tip.objects.select_for_update().get(pk=context.tip_id)
        if tip.status != TipStatus.RECEIVED:
            return "already_triaged"
        for name, value in context.tip_updates.items():
            setattr(tip, name, value)
        for writer in context.writers:
            writer(tip)
        tip.triage_timings = context.timings_ms
        tip.triaged_at = timezone.now()
        record_status_change(tip, TipStatus.TRIAGED)
        tip.save()
    return "triaged"
