"""The triage pipeline: a sequence of plain step functions run per tip (docs/triage.md).

1. load the tip; stop if it is no longer "received" (a redelivered task finds it done);
2. run each step in order, timing it; steps read the context and add findings to it;
3. write every finding and the move to "triaged" in one transaction, once: the row is locked
   and its status checked again, so two deliveries of the same task cannot both write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reporting.attachments import clean_pending_attachments
from reporting.intake import record_status_change
from reporting.models import Tip, TipStatus

from . import dedupe
from .classify import Classification, active_classifier
from .identifiers import IdentifierSpan, find_identifiers, redact
from .language import detect_language
from .models import ClassifierVersion, Incident, TipTriage
from .urgency import Urgency, reasons_as_json, score_urgency


@dataclass
class TriageContext:
    tip: Tip  # a snapshot loaded before the steps; written only by _record
    # Field values to write on the Tip when the pipeline finishes.
    tip_updates: dict[str, Any] = field(default_factory=dict)
    language: str = ""
    identifiers: list[IdentifierSpan] = field(default_factory=list)
    classification: Classification | None = None
    classifier_version_id: int | None = None
    duplicate: dedupe.DuplicateDecision | None = None
    bands: list[int] = field(default_factory=list)
    signature: Any = None
    facts: dedupe.TipFacts | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.tip.text


Step = Callable[[TriageContext], None]


def clean_attachments_step(context: TriageContext) -> None:
    clean_pending_attachments(context.tip.pk)


def language_step(context: TriageContext) -> None:
    detected = detect_language(context.text, context.tip.declared_language)
    context.language = detected.code
    context.tip_updates["detected_language"] = detected.code
    context.tip_updates["language_confidence"] = detected.confidence


def identifiers_step(context: TriageContext) -> None:
    context.identifiers = find_identifiers(context.text, context.language)
    context.tip_updates["redacted_text"] = redact(context.text, context.identifiers)


def classify_step(context: TriageContext) -> None:
    classifier, version_id = active_classifier()
    if classifier is None:
        context.classification = Classification({}, [], True, "no_model")
        return
    context.classification = classifier.classify(context.text)
    context.classifier_version_id = version_id


def duplicates_step(context: TriageContext) -> None:
    tip = context.tip
    labels = tuple(context.classification.labels) if context.classification else ()
    context.facts = dedupe.TipFacts(
        tip_id=tip.pk,
        text=context.text,
        language=context.language,
        received_at=tip.received_at,
        reporter_id=tip.reporter_id,
        identifiers=tuple(
            sorted({(span.type, span.normalized) for span in context.identifiers if span.type in dedupe.STRONG_IDENTIFIERS})
        ),
        labels=labels,
        latitude=tip.latitude,
        longitude=tip.longitude,
        occurred_at=tip.occurred_at,
    )
    window = timedelta(days=settings.TIPLINE_DEDUP_WINDOW_DAYS)
    context.duplicate, context.bands, context.signature = dedupe.find_duplicate(
        context.facts, dedupe.DatabaseIndex(), window
    )


# Later steps (routing) plug in here.
STEPS: list[tuple[str, Step]] = [
    ("attachments", clean_attachments_step),
    ("language", language_step),
    ("identifiers", identifiers_step),
    ("classify", classify_step),
    ("duplicates", duplicates_step),
]


def triage_tip(tip_id: int, steps: list[tuple[str, Step]] | None = None) -> str:
    """Run the pipeline for one tip; returns "triaged", "already_triaged" or "missing"."""
    tip = Tip.objects.filter(pk=tip_id).first()
    if tip is None:
        return "missing"
    if tip.status != TipStatus.RECEIVED:
        return "already_triaged"
    context = TriageContext(tip=tip)
    for name, step in steps if steps is not None else STEPS:
        started = time.perf_counter()
        step(context)
        context.timings_ms[name] = round((time.perf_counter() - started) * 1000, 3)
    return _record(context)


def _record(context: TriageContext) -> str:
    started = time.perf_counter()
    with transaction.atomic():
        tip = Tip.objects.select_for_update().get(pk=context.tip.pk)
        if tip.status != TipStatus.RECEIVED:
            return "already_triaged"
        for name, value in context.tip_updates.items():
            setattr(tip, name, value)
        incident = _join_incident(tip, context)
        urgency = _urgency(context, incident)
        _store_findings(tip, context, incident, urgency)
        tip.triaged_at = timezone.now()
        record_status_change(tip, TipStatus.TRIAGED)
        context.timings_ms["record"] = round((time.perf_counter() - started) * 1000, 3)
        tip.triage_timings = context.timings_ms
        tip.save()
    return "triaged"


def _join_incident(tip: Tip, context: TriageContext) -> Incident | None:
    if context.duplicate is None or context.facts is None:
        return None
    incident = dedupe.attach_to_incident(tip, context.facts, context.duplicate)
    dedupe.DatabaseIndex().add(context.facts, context.bands, context.signature, incident.pk)
    return incident


def _urgency(context: TriageContext, incident: Incident | None) -> Urgency:
    labels = context.classification.labels if context.classification else []
    urgency = score_urgency(
        context.text,
        context.language,
        labels=labels,
        occurred_window=context.tip.occurred_window,
        reporter_count=incident.reporter_count if incident else 1,
    )
    if incident is not None and urgency.score > incident.urgency:
        Incident.objects.filter(pk=incident.pk).update(urgency=urgency.score)
    return urgency


def _store_findings(tip: Tip, context: TriageContext, incident: Incident | None, urgency: Urgency) -> None:
    classification = context.classification
    duplicate = context.duplicate
    version_id = context.classifier_version_id
    if version_id is not None and not ClassifierVersion.objects.filter(pk=version_id).exists():
        version_id = None  # deleted since this worker cached it; the scores still stand
    # update_or_create, not create: a caseworker may have corrected the categories already.
    TipTriage.objects.update_or_create(
        tip=tip,
        defaults={
            "scores": classification.scores if classification else {},
            "labels": classification.labels if classification else [],
            "classifier_version_id": version_id,
            "needs_human": classification.needs_human if classification else True,
            "needs_human_reason": classification.reason if classification else "no_model",
            "identifiers": [
                {"type": s.type, "start": s.start, "end": s.end, "text": s.text} for s in context.identifiers
            ],
            "urgency": urgency.score,
            "urgency_reasons": reasons_as_json(urgency),
            "incident": incident,
            "signature": context.signature.tobytes() if context.signature is not None else None,
            "matched_tip_id": duplicate.matched_tip_id if duplicate else None,
            "similarity": duplicate.similarity if duplicate else None,
        },
    )
