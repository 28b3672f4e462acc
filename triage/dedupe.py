"""Duplicate reports: gather tips about the same event into one Incident (docs/triage.md).

1. Candidates that stay cheap as the archive grows: MinHash LSH bands of the text, the same
   strong identifier (plate, phone ...), and the same place cell (~5 km grid) — each an index
   probe on a table every worker sees, limited to the time window.
2. A decision per candidate: near-identical text; a shared strong identifier; or similar text,
   or the same categories, at the same place and time (how translated reports of one event
   meet). The best candidate's incident is joined; otherwise a new incident opens.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Case, F, TextField, Value, When
from django.db.models.expressions import RawSQL

from reporting.bulk import insert_rows, integer_array, update_rows
from reporting.models import Tip
from reporting.privacy import random_code

from .models import Incident, TipBand, TipIdentifier

NUM_PERM = 60
BANDS, ROWS = 20, 3  # LSH: a pair with Jaccard s collides in some band with 1-(1-s^3)^20 (0.5 at s≈0.36)
CELL_DEGREES = 0.05  # place cells of ~5 km; a lookup probes the 3×3 cells around the point
STRONG_IDENTIFIERS = {"phone", "email", "plate", "id_number", "handle", "link"}
NOT_EVENTS = {"not_a_crime_report", "spam_abuse"}
# Candidates per source: up to this many by similar text (LSH bands) and as many again by a
# shared identifier or place cell, so a busy text never crowds out the translated report that
# only shares the plate or the place.
CANDIDATE_LIMIT = 20
# Index rows read per band or key: the newest reports sharing it. A band that a popular event's
# thousands of reports share costs the same as a rare one, and those newest reports are the
# same event anyway.
ROWS_PER_KEY = 12

_MERSENNE = (1 << 61) - 1
_rng = np.random.default_rng(20261128)  # fixed: every worker must compute the same signatures
_A = _rng.integers(1, _MERSENNE, NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, _MERSENNE, NUM_PERM, dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})


@dataclass(frozen=True)
class TipFacts:
    tip_id: int
    text: str
    language: str
    received_at: datetime
    reporter_id: int
    identifiers: tuple[tuple[str, str], ...] = ()
    labels: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Candidate:
    facts: TipFacts
    incident_id: int | None
    signature: np.ndarray | None = None  # stored sketch, when known


@dataclass(frozen=True)
class DuplicateDecision:
    incident_id: int | None
    matched_tip_id: int | None
    similarity: float | None
    reasons: tuple[str, ...] = ()


# --- text sketches ------------------------------------------------------------------------


def features(text: str) -> set[str]:
    """Word prefixes (a stand-in for stems) and pairs of them, on lower-cased, unaccented text."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    words = [w[:5] for w in _WORD.findall(folded.translate(_ARABIC)) if len(w) > 2 or w.isdigit()]
    return set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}


def signature(text: str) -> np.ndarray:
    items = features(text) or {""}
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(item.encode(), digest_size=8).digest(), "little") >> 3 for item in items],
        dtype=np.uint64,
    )
    # (a·x + b) mod p for every permutation and item; the minimum per permutation is the sketch.
    products = (np.outer(_A, hashes) + _B[:, None]) % np.uint64(_MERSENNE)
    return products.min(axis=1)


def band_hashes(sig: np.ndarray) -> list[int]:
    """One signed 64-bit value per band (fits PostgreSQL's bigint)."""
    values = []
    for band in range(BANDS):
        chunk = sig[band * ROWS:(band + 1) * ROWS].tobytes()
        values.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little", signed=True))
    return values


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


# --- place and time -----------------------------------------------------------------------


def place_cells(latitude: float | None, longitude: float | None, neighbours: bool = False) -> list[str]:
    if latitude is None or longitude is None:
        return []
    row, col = math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES)
    span = (-1, 0, 1) if neighbours else (0,)
    return [f"{row + dr}:{col + dc}" for dr in span for dc in span]


def distance_km(a: TipFacts, b: TipFacts) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))  # type: ignore[arg-type]
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def hours_apart(a: TipFacts, b: TipFacts) -> float:
    first, second = (a.occurred_at, b.occurred_at) if a.occurred_at and b.occurred_at else (a.received_at, b.received_at)
    return abs((first - second).total_seconds()) / 3600


# --- the decision -------------------------------------------------------------------------


def score_pair(
    new: TipFacts, new_sig: np.ndarray, old: TipFacts, old_sig: np.ndarray | None = None,
    similarity: float | None = None,
) -> tuple[float, tuple[str, ...]]:
    """How likely two tips report the same event (0–1), and why (`similarity`: of the sketches, when known)."""
    if similarity is None:
        similarity = jaccard(new_sig, old_sig if old_sig is not None else signature(old.text))
    shared = {i for i in new.identifiers if i[0] in STRONG_IDENTIFIERS} & set(old.identifiers)
    labels = (set(new.labels) & set(old.labels)) - NOT_EVENTS
    labels_compatible = bool(labels) or not (new.labels and old.labels)  # unknown counts as compatible
    distance = distance_km(new, old)
    hours = hours_apart(new, old)
    close_in_time = hours <= settings.TIPLINE_DEDUP_NEAR_HOURS
    near = distance is not None and distance <= settings.TIPLINE_DEDUP_NEAR_KM and close_in_time
    # The same spot within hours: how a translated report of the same event shows itself.
    very_near = distance is not None and distance <= 1.0 and hours <= 6
    if set(new.labels) & NOT_EVENTS or set(old.labels) & NOT_EVENTS:
        return (similarity if similarity >= 0.8 else 0.0), ("text",)  # only repeats of the same message
    if shared:
        return max(0.9, similarity), ("identifier", *sorted(kind for kind, _value in shared))
    if similarity >= 0.5 and hours <= 7 * 24:
        return similarity, ("text",)
    if near and (similarity >= 0.2 or labels):
        return max(0.6, similarity), ("place_time", "text" if similarity >= 0.2 else "category")
    if very_near and labels_compatible:
        return 0.55, ("place_time",)
    if similarity >= 0.3 and close_in_time and labels_compatible:
        return similarity + 0.2, ("text", "time")
    return 0.0, ()


def decide(facts: TipFacts, sig: np.ndarray, candidates: Sequence[Candidate]) -> DuplicateDecision:
    best: tuple[float, Candidate, tuple[str, ...]] | None = None
    usable = [c for c in candidates if c.facts.tip_id != facts.tip_id and c.incident_id is not None]
    if not usable:
        return DuplicateDecision(None, None, None)
    # Every candidate's sketch similarity in one array operation.
    sketches = np.stack([c.signature if c.signature is not None else signature(c.facts.text) for c in usable])
    similarities = (sketches == sig).mean(axis=1)
    for candidate, similarity in zip(usable, similarities.tolist(), strict=True):
        score, reasons = score_pair(facts, sig, candidate.facts, similarity=similarity)
        if score > 0 and (best is None or score > best[0]):
            best = (score, candidate, reasons)
    if best is None:
        return DuplicateDecision(None, None, None)
    score, candidate, reasons = best
    return DuplicateDecision(candidate.incident_id, candidate.facts.tip_id, round(min(score, 1.0), 3), reasons)


# --- indexes ------------------------------------------------------------------------------


class DuplicateIndex(Protocol):
    def candidates(self, facts: TipFacts, bands: list[int], since: datetime, limit: int) -> list[Candidate]: ...

    def add(self, facts: TipFacts, bands: list[int], sig: np.ndarray, incident_id: int) -> None: ...


def _lookup_keys(facts: TipFacts) -> list[tuple[str, str]]:
    strong = [i for i in facts.identifiers if i[0] in STRONG_IDENTIFIERS]
    return strong + [("cell", cell) for cell in place_cells(facts.latitude, facts.longitude, neighbours=True)]


def _stored_keys(facts: TipFacts) -> list[tuple[str, str]]:
    strong = [i for i in facts.identifiers if i[0] in STRONG_IDENTIFIERS]
    return strong + [("cell", cell) for cell in place_cells(facts.latitude, facts.longitude)]


Probe = tuple[datetime, Sequence[tuple[object, object]]]  # (since, keys) of one tip


def _recent_matches(
    table: str, columns: tuple[str, str], key_types: str, probes: Sequence[Probe], limit: int
) -> list[list[int]]:
    """Per probe: tips with rows matching any of its keys since its `since`, most matches first,
    newest first, at most `limit`.

    On PostgreSQL one query serves a whole batch (the probes travel as arrays), and at most
    ROWS_PER_KEY newest rows per key are read straight off the (key, key, received_at) index, so a
    popular event with thousands of reports, or a busy place cell, costs no more than a quiet one.
    """
    found: list[list[int]] = [[] for _probe in probes]
    rows = [(number, since, key) for number, (since, keys) in enumerate(probes) for key in keys]
    if not rows:
        return found
    first, second = columns
    if connection.vendor == "postgresql":
        # Keys travel as one row each; each probe's `since` once, picked by its number.
        sql = (
            f"SELECT probe_number, tip_id FROM (SELECT probe.probe_number, hit.tip_id, ROW_NUMBER() OVER ("
            f"PARTITION BY probe.probe_number ORDER BY COUNT(*) DESC, MAX(hit.received_at) DESC) AS position "
            f"FROM unnest(%s::integer[], %s::{key_types}[], %s::{key_types}[]) "
            f"AS probe(probe_number, k1, k2) CROSS JOIN LATERAL ("
            f"SELECT tip_id, received_at FROM {table} r WHERE r.{first} = probe.k1 AND r.{second} = probe.k2 "
            f"AND r.received_at >= (%s::timestamptz[])[probe.probe_number + 1] ORDER BY r.received_at DESC LIMIT %s) AS hit "
            f"GROUP BY probe.probe_number, hit.tip_id) AS ranked WHERE position <= %s ORDER BY probe_number, position"
        )
        as_array = integer_array if key_types in {"integer", "bigint"} else list
        params = [integer_array(number for number, _s, _k in rows), as_array([key[0] for _n, _s, key in rows]),
                  as_array([key[1] for _n, _s, key in rows]), [since for since, _keys in probes], ROWS_PER_KEY, limit]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for number, tip_id in cursor.fetchall():
                found[number].append(tip_id)
        return found
    # SQLite (local development): no LATERAL, and its archives are small; a query per probe.
    for number, (since, keys) in enumerate(probes):
        if not keys:
            continue
        pairs = ", ".join(["(%s, %s)"] * len(keys))
        sql = (
            f"SELECT tip_id FROM {table} WHERE received_at >= %s AND ({first}, {second}) IN (VALUES {pairs}) "
            f"GROUP BY tip_id ORDER BY COUNT(*) DESC, MAX(received_at) DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [since, *[item for key in keys for item in key], limit])
            found[number] = [row[0] for row in cursor.fetchall()]
    return found


class DatabaseIndex:
    """TipBand and TipIdentifier rows: shared by every worker, probed through their indexes."""

    def candidates(self, facts: TipFacts, bands: list[int], since: datetime, limit: int = CANDIDATE_LIMIT) -> list[Candidate]:
        return self.candidates_many([(facts, bands)], [since], limit)[0]

    def candidates_many(
        self, tips: Sequence[tuple[TipFacts, list[int]]], since: Sequence[datetime], limit: int = CANDIDATE_LIMIT
    ) -> list[list[Candidate]]:
        """Candidates of many tips in four queries, whatever their number."""
        by_band = _recent_matches(TipBand._meta.db_table, ("band", "hash"), "bigint",
                                  [(s, list(enumerate(bands))) for (_facts, bands), s in zip(tips, since, strict=True)],
                                  limit)
        by_key = _recent_matches(TipIdentifier._meta.db_table, ("kind", "value"), "text",
                                 [(s, _lookup_keys(facts)) for (facts, _bands), s in zip(tips, since, strict=True)],
                                 limit)
        chosen = [
            list(dict.fromkeys([*[t for t in bands if t != facts.tip_id][:limit], *[t for t in keys if t != facts.tip_id][:limit]]))
            for (facts, _bands), bands, keys in zip(tips, by_band, by_key, strict=True)
        ]
        loaded = self._load(list({t for ids in chosen for t in ids}))
        return [[loaded[t] for t in ids if t in loaded] for ids in chosen]

    def _load(self, tip_ids: list[int]) -> dict[int, Candidate]:
        if not tip_ids:
            return {}
        identifiers: dict[int, list[tuple[str, str]]] = defaultdict(list)
        wanted: object = tip_ids
        if connection.vendor == "postgresql":  # one array parameter, not a placeholder per id
            wanted = RawSQL("SELECT unnest(%s::bigint[])", [integer_array(tip_ids)])
        for tip_id, kind, value in TipIdentifier.objects.filter(tip_id__in=wanted).values_list("tip_id", "kind", "value"):
            identifiers[tip_id].append((kind, value))
        # The text only where no sketch was stored (it is sketched again then): texts are long.
        text_if_unsketched = Case(When(triage__signature__isnull=True, then=F("text")), default=Value(""),
                                  output_field=TextField())
        rows = Tip.objects.filter(pk__in=wanted, triage__isnull=False).values_list(
            "pk", text_if_unsketched, "detected_language", "received_at", "reporter_id", "latitude", "longitude",
            "occurred_at", "triage__labels", "triage__incident_id", "triage__signature",
        )
        return {
            pk: Candidate(
                TipFacts(pk, text, language, received, reporter, tuple(identifiers[pk]), tuple(labels or ()),
                         lat, lon, occurred),
                incident,
                np.frombuffer(bytes(sketch), dtype=np.uint64) if sketch else None,
            )
            for pk, text, language, received, reporter, lat, lon, occurred, labels, incident, sketch in rows
        }

    def add(self, facts: TipFacts, bands: list[int], sig: np.ndarray, incident_id: int) -> None:
        self.add_many([(facts, bands, incident_id)])

    def add_many(self, tips: Sequence[tuple[TipFacts, list[int], int]]) -> None:
        # No rows exist for these tips yet: the pipeline adds them once, in the transaction that
        # moves the tips to "triaged" (a rerun finds them triaged and writes nothing).
        insert_rows(TipBand, ["tip", "band", "hash", "received_at"], [
            (facts.tip_id, band, value, facts.received_at) for facts, bands, _incident in tips for band, value in enumerate(bands)
        ])
        insert_rows(TipIdentifier, ["tip", "kind", "value", "received_at"], [
            (facts.tip_id, kind, value[:128], facts.received_at)
            for facts, _bands, _incident in tips for kind, value in dict.fromkeys(_stored_keys(facts))
        ])


@dataclass
class MemoryIndex:
    """The same behaviour in dictionaries: for evaluate_dedup and tests."""

    facts: dict[int, TipFacts] = field(default_factory=dict)
    incidents: dict[int, int] = field(default_factory=dict)
    bands: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    keys: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    signatures: dict[int, np.ndarray] = field(default_factory=dict)

    def candidates(self, facts: TipFacts, bands: list[int], since: datetime, limit: int = CANDIDATE_LIMIT) -> list[Candidate]:
        def usable(tip_ids: Iterable[int]) -> list[int]:
            return [t for t in dict.fromkeys(tip_ids) if t != facts.tip_id and self.facts[t].received_at >= since][:limit]

        counts = Counter(t for band, value in enumerate(bands) for t in self.bands.get((band, value), []))
        by_text = usable(t for t, _n in counts.most_common())
        by_key = usable(t for key in _lookup_keys(facts) for t in reversed(self.keys.get(key, [])))  # newest first
        return [Candidate(self.facts[t], self.incidents.get(t), self.signatures.get(t)) for t in dict.fromkeys(by_text + by_key)]

    def add(self, facts: TipFacts, bands: list[int], sig: np.ndarray, incident_id: int) -> None:
        self.facts[facts.tip_id] = facts
        self.incidents[facts.tip_id] = incident_id
        self.signatures[facts.tip_id] = sig
        for band, value in enumerate(bands):
            self.bands[(band, value)].append(facts.tip_id)
        for key in _stored_keys(facts):
            self.keys[key].append(facts.tip_id)


def find_duplicate(facts: TipFacts, index: DuplicateIndex, window: timedelta) -> tuple[DuplicateDecision, list[int], np.ndarray]:
    sig = signature(facts.text)
    bands = band_hashes(sig)
    candidates = index.candidates(facts, bands, facts.received_at - window, CANDIDATE_LIMIT)
    return decide(facts, sig, candidates), bands, sig


# --- incidents ----------------------------------------------------------------------------


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


@dataclass
class Joined:
    incident: Incident
    reporter_count: int  # the incident's distinct reporters once this tip joined


def join_incidents(tips: Sequence[tuple[TipFacts, DuplicateDecision]]) -> list[Joined]:
    """Join each tip (in arrival order) to its decided incident, or open one; inside a transaction.

    A decision's incident id is an Incident's, or minus the id of an earlier tip of the same
    batch whose incident it joins (that tip may have opened one). Counts are updated
    incrementally, so joining a large incident costs the same as joining a small one; corroboration
    counts distinct reporters. The caller saves the incidents with `save_incidents`.
    """
    stored_ids = sorted({d.incident_id for _f, d in tips if d.incident_id is not None and d.incident_id > 0})
    # Locked in id order, like every batch, so two batches sharing incidents cannot deadlock.
    stored = {i.pk: i for i in Incident.objects.select_for_update().filter(pk__in=stored_ids).order_by("pk")}
    # Has this reporter a tip in this incident already? Start from the batch's reporters (few),
    # not from the incidents' tips (possibly thousands).
    seen: set[tuple[int, int]] = set(
        Tip.objects.filter(triage__incident__in=list(stored), reporter_id__in={f.reporter_id for f, _d in tips})
        .values_list("triage__incident_id", "reporter_id")
    )
    opened: dict[int, Incident] = {}  # by the batch tip it was opened for
    joined: list[Joined] = []
    for facts, decision in tips:
        incident = None
        if decision.incident_id is not None and decision.incident_id > 0:
            incident = stored.get(decision.incident_id)  # gone when deleted since the decision
        opener = -decision.incident_id if decision.incident_id is not None and decision.incident_id < 0 else facts.tip_id
        if incident is None:
            incident = opened.get(opener)
        if incident is None:
            incident = Incident(last_tip_at=facts.received_at, tip_count=0, reporter_count=0)
            opened[opener] = incident
        key = (incident.pk or -opener, facts.reporter_id)
        incident.tip_count += 1
        incident.reporter_count += int(key not in seen)
        seen.add(key)
        incident.last_tip_at = max(incident.last_tip_at, facts.received_at)
        incident.labels = list(dict.fromkeys([*incident.labels, *facts.labels]))[:5]
        joined.append(Joined(incident, incident.reporter_count))
    return joined


def save_incidents(incidents: Iterable[Incident]) -> None:
    """Insert the incidents `join_incidents` opened and update the ones it joined."""
    unique = list({id(incident): incident for incident in incidents}.values())
    new = [incident for incident in unique if incident.pk is None]
    stored = [incident for incident in unique if incident.pk is not None]
    for incident, reference in zip(new, new_incident_references(len(new)), strict=True):
        incident.reference = reference
    Incident.objects.bulk_create(new)
    update_rows(Incident, stored, ["tip_count", "reporter_count", "last_tip_at", "labels", "urgency"])


# --- evaluation ---------------------------------------------------------------------------


def _pairs(clusters: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item, cluster in clusters.items():
        groups[cluster].append(item)
    return {(a, b) for members in groups.values() for i, a in enumerate(sorted(members)) for b in sorted(members)[i + 1:]}


def pairwise_scores(truth: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    true_pairs, predicted_pairs = _pairs(truth), _pairs(predicted)
    hits = len(true_pairs & predicted_pairs)
    precision = hits / len(predicted_pairs) if predicted_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def bcubed_scores(truth: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    def members(clusters: dict[str, str]) -> dict[str, set[str]]:
        groups: dict[str, set[str]] = defaultdict(set)
        for item, cluster in clusters.items():
            groups[cluster].add(item)
        return {item: groups[cluster] for item, cluster in clusters.items()}

    true_members, predicted_members = members(truth), members(predicted)
    items = list(truth)
    precision = sum(len(predicted_members[i] & true_members[i]) / len(predicted_members[i]) for i in items) / len(items)
    recall = sum(len(predicted_members[i] & true_members[i]) / len(true_members[i]) for i in items) / len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def cluster_in_order(items: Iterable[TipFacts], window: timedelta) -> dict[int, int]:
    """Run the decision over tips in order with a MemoryIndex; returns tip id → cluster id."""
    index = MemoryIndex()
    assignment: dict[int, int] = {}
    for facts in items:
        decision, bands, sig = find_duplicate(facts, index, window)
        cluster = decision.incident_id if decision.incident_id is not None else facts.tip_id
        assignment[facts.tip_id] = cluster
        index.add(facts, bands, sig, cluster)
    return assignment
