"""Incidents as stored: the one place that sets an incident's reference, categories, counts and urgency.

- **Categories**: the `INCIDENT_LABELS` most common among its tips, ties to the first seen;
  counted in `Incident.label_counts` so a tip joining a large incident costs the same as one
  joining a small one.
- **Reporters** are independent sources: distinct people, and a tip whose text is a near-copy
  (`SAME_WORDS` of its sketch) of an earlier tip of the incident is no new source: a form sent
  twice by a reload, or a chain message forwarded, corroborates nothing.
- **Urgency**: the most urgent tip's own score plus corroboration by the incident's independent
  reporters (`triage.urgency.incident_urgency`); recomputed whenever tips join or leave.
- A tip that joins an incident a caseworker already verified, handed off or closed marks it
  "new information" (`Incident.new_information_at`) and tells its assignee or the region's
  supervisors (`triage.alerts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone

from reporting.bulk import update_rows
from reporting.models import Tip
from reporting.privacy import random_code

from ..models import Incident, IncidentStatus, TipTriage
from ..urgency import incident_urgency
from .decision import SAME_WORDS, DuplicateDecision
from .evidence import TipFacts

INCIDENT_LABELS = 5
# A tip joining an incident in these states is news to whoever already acted on it.
SETTLED_STATES = frozenset({IncidentStatus.VERIFIED, IncidentStatus.HANDED_OFF, IncidentStatus.CLOSED})
STORED_FIELDS = ["tip_count", "reporter_count", "last_tip_at", "labels", "label_counts", "urgency", "top_tip_urgency",
                 "new_information_at"]


def new_incident_reference() -> str:
    code = random_code(6)
    return f"I-{code[:4]}-{code[4:]}"


def new_incident_references(count: int) -> list[str]:
    """`count` references no incident has yet (a collision is rare: draw those again)."""
    references: list[str] = []
    while len(references) < count:
        drawn = {new_incident_reference() for _ in range(count - len(references))} - set(references)
        taken = set(Incident.objects.filter(reference__in=drawn).values_list("reference", flat=True))
        references += sorted(drawn - taken)
    return references


def labels_from_counts(counts: dict[str, int]) -> list[str]:
    """The most common categories; `counts` keeps first-seen order, which breaks ties."""
    order = {label: position for position, label in enumerate(counts)}
    return sorted(counts, key=lambda label: (-counts[label], order[label]))[:INCIDENT_LABELS]


def _add_labels(incident: Incident, labels: Iterable[str]) -> None:
    counts = dict(incident.label_counts or {})
    for label in dict.fromkeys(labels):
        counts[label] = counts.get(label, 0) + 1
    incident.label_counts = counts
    incident.labels = labels_from_counts(counts)


def _refresh_urgency(incident: Incident) -> None:
    incident.urgency = incident_urgency(incident.top_tip_urgency, incident.reporter_count, incident.labels)


@dataclass
class Joined:
    incident: Incident
    news: bool  # the tip brought new information to an incident someone already acted on


def join_incidents(tips: Sequence[tuple[TipFacts, DuplicateDecision, int]]) -> list[Joined]:
    """Join each tip (in arrival order) to its decided incident, or open one; inside a transaction.

    `tips`: the facts, the decision and the tip's own urgency. A decision's incident id is an
    Incident's, or minus the id of an earlier tip of the same batch whose incident it joins (that
    tip may have opened one). Counts are updated incrementally; the caller saves the incidents
    with `save_incidents`.
    """
    now = timezone.now()
    stored_ids = sorted({d.incident_id for _f, d, _u in tips if d.incident_id is not None and d.incident_id > 0})
    # Locked in id order, like every batch, so two batches sharing incidents cannot deadlock.
    stored = {i.pk: i for i in Incident.objects.select_for_update().filter(pk__in=stored_ids).order_by("pk")}
    # Has this reporter a tip in this incident already? Start from the batch's reporters (few),
    # not from the incidents' tips (possibly thousands).
    seen: set[tuple[int, int]] = set(
        Tip.objects.filter(triage__incident__in=list(stored), reporter_id__in={f.reporter_id for f, _d, _u in tips})
        .values_list("triage__incident_id", "reporter_id")
    )
    opened: dict[int, Incident] = {}  # by the batch tip it was opened for
    joined: list[Joined] = []
    for facts, decision, own_urgency in tips:
        incident = None
        if decision.incident_id is not None and decision.incident_id > 0:
            incident = stored.get(decision.incident_id)  # gone when deleted since the decision
        opener = -decision.incident_id if decision.incident_id is not None and decision.incident_id < 0 else facts.tip_id
        if incident is None:
            incident = opened.get(opener)
        if incident is None:
            incident = Incident(last_tip_at=facts.received_at, tip_count=0, reporter_count=0, label_counts={})
            opened[opener] = incident
        key = (incident.pk or -opener, facts.reporter_id)
        incident.tip_count += 1
        incident.reporter_count += int(key not in seen and decision.copy_of is None)
        seen.add(key)
        incident.last_tip_at = max(incident.last_tip_at, facts.received_at)
        _add_labels(incident, facts.labels)
        incident.top_tip_urgency = max(incident.top_tip_urgency, own_urgency)
        _refresh_urgency(incident)
        news = incident.status in SETTLED_STATES
        if news:
            incident.new_information_at = now
        joined.append(Joined(incident, news))
    return joined


def save_incidents(incidents: Iterable[Incident]) -> None:
    """Insert the incidents `join_incidents` opened and update the ones it joined."""
    unique = list({id(incident): incident for incident in incidents}.values())
    new = [incident for incident in unique if incident.pk is None]
    stored = [incident for incident in unique if incident.pk is not None]
    for incident, reference in zip(new, new_incident_references(len(new)), strict=True):
        incident.reference = reference
    Incident.objects.bulk_create(new)
    update_rows(Incident, stored, STORED_FIELDS)


def independent_reporters(members: Sequence[tuple[int, bytes | None]]) -> int:
    """Independent sources among (reporter, sketch) in arrival order: new people, not near-copies."""
    people: set[int] = set()
    sketches: list[np.ndarray] = []
    count = 0
    for reporter_id, sketch in members:
        sig = np.frombuffer(bytes(sketch), dtype=np.uint64) if sketch else None
        copy = sig is not None and any(float(np.mean(sig == earlier)) >= SAME_WORDS for earlier in sketches)
        if reporter_id not in people and not copy:
            count += 1
        people.add(reporter_id)
        if sig is not None:
            sketches.append(sig)
    return count


def recount(incident: Incident) -> Incident:
    """Everything `join_incidents` keeps, computed afresh from the incident's tips (after a merge,
    a split or a correction); the row is locked, so a batch joining meanwhile is not undone."""
    with transaction.atomic():
        Incident.objects.select_for_update().filter(pk=incident.pk).first()
        return _recount(incident)


def _recount(incident: Incident) -> Incident:
    triages = list(TipTriage.objects.filter(incident=incident).order_by("tip__received_at", "tip_id")
                   .values_list("labels", "urgency", "tip__reporter_id", "signature", "tip__received_at"))
    incident.label_counts, incident.labels = {}, []
    for labels, *_rest in triages:
        _add_labels(incident, labels or ())
    incident.tip_count = len(triages)
    incident.reporter_count = independent_reporters([(reporter, sketch) for _l, _u, reporter, sketch, _r in triages])
    incident.top_tip_urgency = max((urgency for _l, urgency, *_rest in triages), default=0)
    incident.last_tip_at = triages[-1][4] if triages else incident.last_tip_at
    _refresh_urgency(incident)
    incident.save(update_fields=[f for f in STORED_FIELDS if f != "new_information_at"])
    return incident
