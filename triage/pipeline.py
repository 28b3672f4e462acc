"""The triage pipeline: a sequence of plain step functions, run over a batch of tips (docs/triage.md).

1. load the tips; leave out those no longer "received" (a redelivered task finds them done);
2. run each step in order over the batch, timing it; steps read each tip's context and add
   findings to it (most steps work tip by tip: `for_each`; the classifier takes the batch at
   once, and the duplicate check probes the index once for all of them);
3. write every finding and the move to "triaged" in one transaction, once: the rows are locked
   and their status checked again, so two deliveries of the same task cannot both write. The
   duplicate check runs inside that transaction, one batch at a time across all workers
   (`one_batch_at_a_time`), so it always sees every earlier report.

A batch is the waiting tips one drain claimed at once (see triage.queue): it shares one model
pass and a handful of queries instead of a dozen round trips per tip.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reporting.attachments import clean_pending_attachments
from reporting.bulk import insert_rows, update_rows
from reporting.intake import record_status_changes
from reporting.models import Tip, TipStatus

from .alerts import tell_of_new_information
from .classify import Classification, active_classifier
from .dedupe import store
from .dedupe.decision import DuplicateDecision, decide
from .dedupe.evidence import TipFacts, tip_facts
from .dedupe.index import DatabaseIndex, MemoryIndex
from .dedupe.sketches import band_hashes, signature
from .identifiers import IdentifierSpan, find_identifiers, redact
from .language import detect_language
from .models import ClassifierVersion, NeedsHumanReason, TipTriage
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
    urgency: Urgency | None = None  # the tip's own; the incident adds corroboration
    duplicate: DuplicateDecision | None = None
    bands: list[int] = field(default_factory=list)
    signature: Any = None
    facts: TipFacts | None = None
    joined: store.Joined | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.tip.text


Step = Callable[[Sequence[TriageContext]], None]
logger = logging.getLogger(__name__)


def one_batch_at_a_time(step: Step) -> Step:
    """Mark a step that must see every earlier batch's results (gathering reports of one event).

    It, and the steps after it, run inside the transaction that records the batch, after a
    lock that every worker takes: two batches with reports of the same event, triaged at the
    same moment by two workers, cannot each open an incident. The steps before it (language,
    classifier: most of the work) still run side by side.
    """
    step.one_batch_at_a_time = True  # type: ignore[attr-defined]
    return step


def for_each(step: Callable[[TriageContext], None]) -> Step:
    """A step written for one tip, run over the batch."""

    def run(contexts: Sequence[TriageContext]) -> None:
        for context in contexts:
            step(context)

    return run


def clean_attachments_step(contexts: Sequence[TriageContext]) -> None:
    clean_pending_attachments(*(context.tip.pk for context in contexts))


def language_step(context: TriageContext) -> None:
    detected = detect_language(context.text, context.tip.declared_language)
    context.language = detected.code
    context.tip_updates["detected_language"] = detected.code
    context.tip_updates["language_confidence"] = detected.confidence


def identifiers_step(context: TriageContext) -> None:
    context.identifiers = find_identifiers(context.text, context.language)
    context.tip_updates["redacted_text"] = redact(context.text, context.identifiers)


def classify_step(contexts: Sequence[TriageContext]) -> None:
    classifier, version_id = active_classifier()
    if classifier is None:
        for context in contexts:
            context.classification = Classification({}, [], True, "no_model")
        return
    for context, classification in zip(contexts, classifier.classify_many([c.text for c in contexts], [c.language for c in contexts]), strict=True):
        context.classification = classification
        context.classifier_version_id = version_id


def urgency_step(context: TriageContext) -> None:
    """The tip's own urgency; corroboration belongs to its incident (dedupe.store)."""
    labels = context.classification.labels if context.classification else []
    context.urgency = score_urgency(context.text, context.language, labels=labels,
                                    occurred_window=context.tip.occurred_window)


def sketch_step(context: TriageContext) -> None:
    """What the duplicate check compares, computed before its lock: the facts and the sketch."""
    context.facts = facts_of(context)
    context.signature = signature(context.text)
    context.bands = band_hashes(context.signature)


def facts_of(context: TriageContext) -> TipFacts:
    tip = context.tip
    return tip_facts(
        tip.pk, context.text, context.language, tip.received_at, tip.reporter_id,
        identifiers=[(span.type, span.normalized) for span in context.identifiers],
        labels=context.classification.labels if context.classification else (),
        latitude=tip.latitude, longitude=tip.longitude, occurred_at=tip.occurred_at, place_name=tip.place_name,
    )


@one_batch_at_a_time
def duplicates_step(contexts: Sequence[TriageContext]) -> None:
    """Decide each tip against the stored index and against the batch's earlier tips.

    A tip of the batch that opens an incident stands in the batch's index under minus its own
    id, so a later tip of the same event joins it (store.join_incidents resolves that).
    """
    window = timedelta(days=settings.TIPLINE_DEDUP_WINDOW_DAYS)
    for context in contexts:
        if context.facts is None:  # a custom step list without the sketch step
            sketch_step(context)
    stored = DatabaseIndex().candidates_many(
        [(c.facts, c.bands) for c in contexts], [c.facts.received_at - window for c in contexts]  # type: ignore[union-attr]
    )
    batch = MemoryIndex()
    for context, found in zip(contexts, stored, strict=True):
        facts = context.facts
        assert facts is not None
        earlier = batch.candidates(facts, context.bands, facts.received_at - window)
        context.duplicate = decide(facts, context.signature, [*earlier, *found])
        batch.add(facts, context.bands, context.signature, context.duplicate.incident_id or -facts.tip_id)


def incidents_step(contexts: Sequence[TriageContext]) -> None:
    """Join or open the incidents in arrival order, save them and index the tips (under the lock)."""
    if any(c.duplicate is None or c.facts is None for c in contexts):
        return  # a custom step list without the duplicate step: no incidents
    joined = store.join_incidents([(c.facts, c.duplicate, c.urgency.score if c.urgency else 0)  # type: ignore[misc]
                                   for c in contexts])
    store.save_incidents(j.incident for j in joined)
    DatabaseIndex().add_many([(c.facts, c.bands, j.incident.pk) for c, j in zip(contexts, joined, strict=True)])  # type: ignore[misc]
    for context, joining in zip(contexts, joined, strict=True):
        context.joined = joining
    news = sorted({j.incident.pk for j in joined if j.news})
    if news:
        transaction.on_commit(lambda: _tell_of_news(news))


def _tell_of_news(incident_ids: list[int]) -> None:
    # After the commit: the tips are triaged whatever happens here, and the incidents keep their
    # "new information" mark for the admin's list even if no notice could be written.
    try:
        tell_of_new_information(incident_ids)
    except Exception:  # noqa: BLE001 - logged; the mark on the incident stays
        logger.exception("notices of new information on %d incidents failed", len(incident_ids))


STEPS: list[tuple[str, Step]] = [
    ("attachments", clean_attachments_step),
    ("language", for_each(language_step)),
    ("identifiers", for_each(identifiers_step)),
    ("classify", classify_step),
    ("urgency", for_each(urgency_step)),
    ("sketch", for_each(sketch_step)),
    ("duplicates", duplicates_step),  # from here on, one batch at a time, in the recording transaction
    ("incidents", incidents_step),
]


def triage_tips(tip_ids: Sequence[int], steps: list[tuple[str, Step]] | None = None) -> dict[int, str]:
    """Run the pipeline over a batch; per tip "triaged", "already_triaged" or "missing".

    Step timings are per tip: a batch step's time divided among the batch's tips.
    """
    tips = Tip.objects.in_bulk(list(dict.fromkeys(tip_ids)))
    outcome = {tip_id: "missing" if tip_id not in tips else "already_triaged" for tip_id in tip_ids}
    # In arrival order, so the earlier report of an event opens the incident.
    waiting = sorted((tip for tip in tips.values() if tip.status == TipStatus.RECEIVED), key=lambda t: (t.received_at, t.pk))
    if not waiting:
        return outcome
    contexts = [TriageContext(tip=tip) for tip in waiting]
    steps = steps if steps is not None else STEPS
    serial = next((n for n, (_name, step) in enumerate(steps) if getattr(step, "one_batch_at_a_time", False)), len(steps))
    _run_steps(contexts, steps[:serial])
    outcome.update(_record(contexts, steps[serial:]))
    return outcome


def _run_steps(contexts: Sequence[TriageContext], steps: Sequence[tuple[str, Step]]) -> None:
    for name, step in steps:
        started = time.perf_counter()
        step(contexts)
        _share_time(contexts, name, started)


def triage_tip(tip_id: int, steps: list[tuple[str, Step]] | None = None) -> str:
    """Run the pipeline for one tip; returns "triaged", "already_triaged" or "missing"."""
    return triage_tips([tip_id], steps)[tip_id]


def triage_batch(tip_ids: Sequence[int], steps: list[tuple[str, Step]] | None = None) -> dict[int, str]:
    """The worker's entry: the batch at once; if that fails, each tip on its own.

    So one tip that breaks a step cannot hold back the others of its batch: they are triaged,
    and it stays "received", marked failed, for the sweeper to try again later on its own.
    """
    if len(tip_ids) > 1:
        try:
            return triage_tips(tip_ids, steps)
        except Exception:  # noqa: BLE001 - logged; each tip is tried alone below
            logger.warning("triage of a batch of %d tips failed; triaging them one by one", len(tip_ids), exc_info=True)
    outcome: dict[int, str] = {}
    for tip_id in tip_ids:
        try:
            outcome[tip_id] = triage_tip(tip_id, steps)
        except Exception:  # noqa: BLE001 - logged; the tip stays "received" and the sweeper retries it
            logger.exception("triage of tip %s failed; the sweeper will try again", tip_id)
            Tip.objects.filter(pk=tip_id, status=TipStatus.RECEIVED).update(triage_failed_at=timezone.now())
            outcome[tip_id] = "failed"
    return outcome


def _share_time(contexts: Sequence[TriageContext], name: str, started: float) -> None:
    share = (time.perf_counter() - started) * 1000 / len(contexts)
    for context in contexts:
        context.timings_ms[name] = round(share, 3)


# pg_advisory_xact_lock key ("tipl") for the steps that run one batch at a time.
GATHERING_LOCK = 0x7469706C


def _record(contexts: list[TriageContext], serial_steps: Sequence[tuple[str, Step]] = ()) -> dict[int, str]:
    started = time.perf_counter()
    with transaction.atomic():
        if serial_steps and connection.vendor == "postgresql":  # SQLite has one writer at a time anyway
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GATHERING_LOCK])
                # The commit need not wait for the disk while every worker waits for this lock: if
                # the server crashed within that moment, the batch's tips would be "received" again
                # and the sweeper would triage them anew. The tips themselves were stored for good.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        # Locked in id order, so two batches that share tips cannot deadlock; a tip another
        # delivery triaged meanwhile no longer matches and is left out.
        locked = set(Tip.objects.select_for_update().filter(pk__in=[c.tip.pk for c in contexts],
                                                             status=TipStatus.RECEIVED)
                     .order_by("pk").values_list("pk", flat=True))
        outcome = {c.tip.pk: "already_triaged" for c in contexts if c.tip.pk not in locked}
        contexts = [c for c in contexts if c.tip.pk in locked]
        if not contexts:
            return outcome
        serial_started = time.perf_counter()
        _run_steps(contexts, serial_steps)
        started += time.perf_counter() - serial_started  # "record" is the rest of the transaction
        _store_findings(contexts)
        tips = [context.tip for context in contexts]
        record_status_changes(tips, TipStatus.TRIAGED)
        now = timezone.now()
        fields = {"status", "status_changed_at", "triaged_at", "triage_timings"}
        _share_time(contexts, "record", started)
        for context in contexts:
            for name, value in context.tip_updates.items():
                setattr(context.tip, name, value)
            fields.update(context.tip_updates)
            context.tip.triaged_at = now
            context.tip.triage_timings = context.timings_ms
        update_rows(Tip, tips, sorted(fields))
    outcome.update({context.tip.pk: "triaged" for context in contexts})
    return outcome


def _store_findings(contexts: Sequence[TriageContext]) -> None:
    version_ids = {c.classifier_version_id for c in contexts if c.classifier_version_id is not None}
    # A version deleted since this worker cached it is left out; the scores still stand.
    known_versions = set(ClassifierVersion.objects.filter(pk__in=version_ids).values_list("pk", flat=True))
    rows = []
    for context in contexts:
        classification = context.classification
        urgency = context.urgency or score_urgency(context.text, context.language)
        duplicate = context.duplicate
        matched = duplicate.matched_tip_id if duplicate else None
        rows.append(TipTriage(
            tip=context.tip,
            scores=classification.scores if classification else {},
            labels=classification.labels if classification else [],
            classifier_version_id=context.classifier_version_id if context.classifier_version_id in known_versions else None,
            needs_human=classification.needs_human if classification else True,
            needs_human_reason=classification.reason if classification else NeedsHumanReason.NO_MODEL,
            identifiers=[{"type": s.type, "start": s.start, "end": s.end, "text": s.text} for s in context.identifiers],
            urgency=urgency.score,
            urgency_reasons=reasons_as_json(urgency),
            incident=context.joined.incident if context.joined else None,
            signature=context.signature.tobytes() if context.signature is not None else None,
            evidence=context.facts.evidence.as_json() if context.facts else {},
            # A match within the batch is a tip being triaged right now: a real row once committed.
            matched_tip_id=matched,
            similarity=duplicate.similarity if duplicate else None,
        ))
    # A caseworker may have corrected the categories of a tip before it was triaged: update
    # those rows, insert the rest.
    corrected = set(TipTriage.objects.filter(tip__in=[c.tip.pk for c in contexts]).values_list("tip_id", flat=True))
    fields = [f.name for f in TipTriage._meta.concrete_fields if f.name != "tip"]
    update_rows(TipTriage, [row for row in rows if row.tip_id in corrected], fields)
    columns = ["tip", *fields]
    attnames = [TipTriage._meta.get_field(name).attname for name in columns]
    insert_rows(TipTriage, columns, [[getattr(row, name) for name in attnames] for row in rows if row.tip_id not in corrected])
