"""The duplicate decision: does a new report describe the same event as an incident?

1. Each candidate report is compared with the new one on evidence that survives translation
   (`pair_features`): shared identifiers, names, place, day and hour, vehicles, colours and goods,
   counts, categories, and text similarity within one language. Boosted decision trees learned
   from the team's development set (`pair_model.json`, `manage.py train_dedup`) turn them into
   the probability that both report one event.
2. An incident is judged as a whole: its score mixes the best member's probability with the mean
   over the members compared (`INCIDENT_MEAN_WEIGHT`), so a report that resembles one member
   but not the others does not chain a new event into it, and a large incident does not keep
   absorbing loosely similar tips.
3. The best incident is joined when its score reaches the model's threshold; otherwise the
   report opens a new incident. A pair with no specific tie (`has_specific_tie`: identifier,
   a name that is no everyday word, pins within 3 km, wording alike, or the same day with the same hour or details) counts
   as no match whatever the model says: the kind of event, the day and the counts alone are
   shared by too many different events.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .evidence import NOT_EVENTS, TipFacts
from .sketches import signature

MODEL_PATH = Path(__file__).resolve().parent / "pair_model.json"
NEAR_KM, CLOSE_KM, FAR_KM = 1.0, 3.0, 10.0
# Members of a candidate incident compared with a new report, at most (the index loads them).
MEMBERS_COMPARED = 5
EARTH_RADIUS_KM = 6371.0
SAME_WORDS = 0.9  # sketch agreement from which two texts are one message sent twice
RARE_NAME_CANDIDATES = 2  # a name at most this many candidates carry is a rare one
MAX_COMPARED = 16  # candidate reports described per decision, at most: its cost under the gathering lock

FEATURES = (
    "text_sketch",          # MinHash Jaccard of the texts (same-language wording)
    "word_overlap",         # share of the shorter report's distinctive word prefixes found in the other
    "names_shared",         # rare words (names) spelt alike across scripts, up to 3
    "identifier_shared",    # the same plate, phone, handle ...
    "identifier_conflict",  # both give a plate (or a phone ...), and none is shared
    "places_known",         # both reports carry a pin
    "within_1km",
    "within_3km",
    "beyond_10km",
    "received_gap_log",     # log(1 + hours between arrivals)
    "within_6h",
    "within_24h",
    "beyond_72h",
    "same_day",             # the day each text (or form) says the event happened
    "days_apart",           # two days or more between those days
    "hour_match",           # both give a clock hour, within an hour of each other
    "hour_conflict",        # both give one, three hours or more apart
    "labels_shared",
    "labels_conflict",      # both classified, no category in common
    "details_shared",       # vehicles, colours, goods, uniforms, children ... in common, up to 3
    "things_shared",        # vehicles, colours and goods in common, up to 3: what tells one event from another
    "vehicle_conflict",     # both name vehicles, none in common
    "colour_conflict",      # both name colours, none in common
    "goods_conflict",       # both name what was carried (fuel, drugs, cattle ...), none in common
    "names_jaccard",        # shared names over all names of both: other names point to other people
    "rare_names_shared",    # shared names that few of the candidates carry (a nickname, not the busy crossing's name)
    "counts_shared",        # the same number of people or things, give or take a third
    "counts_conflict",      # both give numbers, none close
    "concepts_jaccard",     # the classifier's concepts in common (bribe, migrant, night ...)
    "concepts_apart",       # telling concepts (bribe, weapon, fuel ...) only one of the two speaks of, up to 3
    "place_time_agree",     # same place (pin or name) and day, and what was seen agrees
    "place_time_disagree",  # same place and day, and what was seen differs: another event there
    "same_language",
    "not_event",            # either is spam or not a crime report
    "same_reporter",
    "near_same_day",        # within 3 km and the same day
    "names_same_day",       # a shared name and the same day
    "text_same_day",        # sketch similarity × the same day
    "proper_names_shared",  # shared names that are no everyday word of either language, up to 3
    "actions_shared",       # what happened (shooting, drowning, arrest, a cut fence ...) in common, up to 2
    "action_conflict",      # both say what happened, nothing in common
)
VEHICLES = frozenset({"truck", "van", "pickup", "car", "motorbike", "bus", "boat", "taxi", "horse", "drone"})
COLOURS = frozenset({"white", "black", "red", "blue", "green", "grey", "silver", "yellow"})
GOODS = frozenset({"cigarettes", "fuel", "drugs", "weapons", "cattle"})
ACTIONS = frozenset({"shooting", "drowning", "fence", "ladder", "arrest", "kidnapping", "robbery", "beating", "fire",
                     "bodies", "swimming", "tunnel"})
THINGS = VEHICLES | COLOURS | GOODS | ACTIONS
# Concepts (triage.concepts) that tell one kind of event from another at the same place.
TELLING_CONCEPTS = frozenset({"drug", "cigarette", "fuel", "alcohol", "weapon", "bribe", "official", "document",
                              "packed_people", "violence", "armed_group", "exploitation", "migrant"})


@dataclass(frozen=True)
class Candidate:
    facts: TipFacts
    incident_id: int | None
    signature: np.ndarray | None = None  # stored sketch, when known


@dataclass(frozen=True)
class DuplicateDecision:
    incident_id: int | None
    matched_tip_id: int | None
    similarity: float | None  # the incident's score, 0–1
    reasons: tuple[str, ...] = ()
    copy_of: int | None = None  # a tip of that incident with the very same words: no new source


# Where a tree that stopped early sends every pair: to the left, where its leaf value repeats.
ALWAYS_LEFT = 1e30


@dataclass(frozen=True)
class PairModel:
    """Boosted decision trees over FEATURES, scored with numpy for a batch of pairs at once.

    Every tree is stored complete, in heap order (node i has children 2i+1 and 2i+2): the
    feature and split value of its internal nodes (the left child takes values ≤ the split),
    and the log-odds each of its leaves adds. A branch that ended early is filled with splits
    that always go left and repeats its leaf's value, so every pair walks the same number of
    steps without reading any child pointers. `threshold` is the incident score from which a report joins.
    """

    feature: np.ndarray  # (trees, 2**depth - 1) int
    split: np.ndarray  # (trees, 2**depth - 1)
    leaf: np.ndarray  # (trees, 2**depth): log-odds
    bias: float
    threshold: float
    incident_mean_weight: float

    def log_odds(self, rows: np.ndarray) -> np.ndarray:
        x = np.asarray(rows, dtype=np.float64)
        trees, internal = self.feature.shape
        # Every split of every tree compared at once; then each pair walks down its trees.
        goes_left = (x[:, self.feature.ravel()] <= self.split.ravel()).reshape(len(x), trees, internal)
        pairs, each_tree = np.arange(len(x))[:, None], np.arange(trees)[None, :]
        node = np.zeros((len(x), trees), dtype=np.int64)
        for _step in range(int(np.log2(self.leaf.shape[1]))):
            node = 2 * node + 2 - goes_left[pairs, each_tree, node]
        return self.bias + self.leaf[each_tree, node - internal].sum(axis=1)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds(rows)))

    def with_settings(self, threshold: float, incident_mean_weight: float) -> PairModel:
        return replace(self, threshold=threshold, incident_mean_weight=incident_mean_weight)

    def with_bias(self, bias: float) -> PairModel:
        return replace(self, bias=bias)

    def as_json(self) -> dict[str, object]:
        return {"features": list(FEATURES), "bias": round(self.bias, 6), "threshold": self.threshold,
                "incident_mean_weight": self.incident_mean_weight,
                "trees": {"feature": self.feature.tolist(), "split": self.split.tolist(),  # exact: a rounded split moves pairs
                          "leaf": np.round(self.leaf, 8).tolist()}}


@lru_cache(maxsize=1)
def shipped_model() -> PairModel:
    return model_from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def model_from_json(data: dict[str, object]) -> PairModel:
    """A model written by `as_json`; ValueError when it splits on a feature this code has not."""
    position = {name: at for at, name in enumerate(FEATURES)}
    names = list(data["features"])  # type: ignore[call-overload]
    missing = [name for name in names if name not in position]
    if missing:
        raise ValueError(f"the pair model reads features this version lacks ({', '.join(missing)}): run train_dedup")
    trees: dict[str, list[list[float]]] = data["trees"]  # type: ignore[assignment]
    # The file's feature numbers, renumbered to this version's order.
    renumber = np.array([position[name] for name in names], dtype=np.int64)
    return PairModel(renumber[np.array(trees["feature"], dtype=np.int64)], np.array(trees["split"], dtype=float),
                     np.array(trees["leaf"], dtype=float), float(data["bias"]), float(data["threshold"]),  # type: ignore[arg-type]
                     float(data["incident_mean_weight"]))  # type: ignore[arg-type]


def distance_km(a: TipFacts, b: TipFacts) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))  # type: ignore[arg-type]
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return EARTH_RADIUS_KM * 2 * math.asin(math.sqrt(h))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _conflict(a: frozenset[str], b: frozenset[str]) -> float:
    return float(bool(a and b) and not a & b)


def name_counts(candidates: Sequence[TipFacts]) -> Counter[str]:
    """How many of a report's candidates carry each name: a place every candidate names says little."""
    return Counter(name for facts in candidates for name in facts.evidence.names)


def pair_features(new: TipFacts, old: TipFacts, sketch_similarity: float, names_seen: Counter[str] | None = None) -> list[float]:
    """The evidence that two reports describe one event, in the order of FEATURES.

    `names_seen`: `name_counts` of the new report's candidates (without it, every shared name is rare).
    """
    ea, eb = new.evidence, old.evidence
    shared_ids = bool(new.identifiers) and bool(old.identifiers) and bool(set(new.identifiers) & set(old.identifiers))
    id_conflict = bool(new.identifier_kinds & old.identifier_kinds) and not shared_ids
    distance = distance_km(new, old)
    gap = abs((new.received_at - old.received_at).total_seconds()) / 3600
    day_gap = abs((new.day - old.day).days)
    same_day = float(day_gap == 0)
    # On a twelve-hour dial: "a las 11" and "vers 23h" of one night agree, and few texts say which half.
    hour_gaps = [min(abs(x - y) % 12, 12 - abs(x - y) % 12) for x in ea.hours for y in eb.hours]
    labels_a, labels_b = new.event_labels, old.event_labels
    shared_labels = bool(labels_a & labels_b)
    labels_conflict = bool(labels_a and labels_b) and not shared_labels
    shared_names = ea.names & eb.names
    names = min(3, len(shared_names))
    near = distance is not None and distance <= CLOSE_KM
    counts_close = any(abs(x - y) <= max(1, 0.34 * max(x, y)) for x in ea.counts for y in eb.counts)
    concept_union = ea.concepts | eb.concepts
    concepts_jaccard = len(ea.concepts & eb.concepts) / len(concept_union) if concept_union else 0.0
    concepts_apart = len((ea.concepts ^ eb.concepts) & TELLING_CONCEPTS)
    shared_details = ea.details & eb.details
    vehicles, colours, goods = (_conflict(ea.details & kind, eb.details & kind) if ea.details and eb.details else 0.0
                                for kind in (VEHICLES, COLOURS, GOODS))
    place_time = float(near or names > 0) * same_day * float(gap <= 48)
    agree = bool(shared_details) or concepts_jaccard >= 0.5 or counts_close or shared_labels
    disagree = bool(vehicles or goods or colours) or concepts_apart >= 2 or labels_conflict
    return [
        sketch_similarity,
        _overlap(ea.words, eb.words),
        names,
        float(shared_ids),
        float(id_conflict),
        float(distance is not None),
        float(distance is not None and distance <= NEAR_KM),
        float(near),
        float(distance is not None and distance > FAR_KM),
        math.log1p(gap),
        float(gap <= 6),
        float(gap <= 24),
        float(gap > 72),
        same_day,
        float(day_gap >= 2),
        float(bool(hour_gaps) and min(hour_gaps) <= 1),
        float(bool(hour_gaps) and min(hour_gaps) >= 3),
        float(shared_labels),
        float(labels_conflict),
        min(3, len(shared_details)),
        min(3, len(shared_details & THINGS)),
        vehicles,
        colours,
        goods,
        len(shared_names) / len(ea.names | eb.names) if shared_names else 0.0,
        min(3, sum(1 for name in shared_names if names_seen is None or names_seen[name] <= RARE_NAME_CANDIDATES)),
        float(counts_close),
        float(bool(ea.counts and eb.counts) and not counts_close),
        concepts_jaccard,
        min(3, concepts_apart),
        place_time * float(agree),
        place_time * float(disagree),
        float(new.language == old.language and bool(new.language)),
        float(bool((set(new.labels) | set(old.labels)) & NOT_EVENTS)),
        float(new.reporter_id == old.reporter_id),
        float(near) * same_day,
        float(names > 0) * same_day,
        sketch_similarity * same_day,
        min(3, len(shared_names - ea.everyday_names - eb.everyday_names)),
        min(2, len(shared_details & ACTIONS)),
        _conflict(ea.details & ACTIONS, eb.details & ACTIONS),
    ]


# A specific tie, at least one of which two reports must share before the model is asked (and
# they must have arrived within MAX_GAP_HOURS of each other): the
# same identifier or name (not an everyday word), pins within CLOSE_KM, wording alike; or, on the
# same day and without pins more than FAR_KM apart, the same clock hour, or the same vehicles,
# goods, colours or happenings with the same kind of event or the same count.
# Categories, concepts, the day, counts and everyday words alone are shared by too many events.
TIE_MIN_TEXT, TIE_MIN_WORDS, TIE_MIN_CONCEPTS = 0.25, 0.5, 0.5
# Reports of one event arrive within a few days of it; beyond this apart, reports (even with the
# same plate or the same words) are of another event.
MAX_GAP_HOURS = 96


_AT = {name: position for position, name in enumerate(FEATURES)}


def has_specific_tie(row: Sequence[float]) -> bool:
    if row[_AT["received_gap_log"]] > math.log1p(MAX_GAP_HOURS):  # the same smuggler again is another incident
        return False
    if (row[_AT["identifier_shared"]] or row[_AT["proper_names_shared"]] or row[_AT["within_3km"]]
            or row[_AT["text_sketch"]] >= TIE_MIN_TEXT or row[_AT["word_overlap"]] >= TIE_MIN_WORDS):
        return True
    if not row[_AT["same_day"]] or row[_AT["beyond_10km"]]:  # pins far apart: not one place
        return False
    things = row[_AT["things_shared"]] >= 1
    return bool(row[_AT["hour_match"]] or (things and row[_AT["concepts_jaccard"]] >= TIE_MIN_CONCEPTS)
                or (things and row[_AT["counts_shared"]]))


def _reasons(row: Sequence[float]) -> tuple[str, ...]:
    named = dict(zip(FEATURES, row, strict=True))
    reasons = [reason for reason, feature in (("identifier", "identifier_shared"), ("place_time", "near_same_day"),
                                              ("name", "names_shared"), ("text", "text_sketch"))
               if named[feature] >= (0.3 if feature == "text_sketch" else 1)]
    return tuple(reasons) or ("evidence",)


@dataclass(frozen=True)
class PairScore:
    similarity: float  # of the sketches
    probability: float  # 0 without a specific tie
    row: list[float]


def compared(facts: TipFacts, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates worth describing: other tips with an incident, arrived within MAX_GAP_HOURS
    (the others are never joined), at most MEMBERS_COMPARED per incident (the first the index
    found) and MAX_COMPARED in all."""
    per_incident: Counter[int] = Counter()
    kept = []
    for candidate in {c.facts.tip_id: c for c in candidates}.values():
        if candidate.facts.tip_id == facts.tip_id or candidate.incident_id is None:
            continue
        if abs((facts.received_at - candidate.facts.received_at).total_seconds()) > MAX_GAP_HOURS * 3600:
            continue
        per_incident[candidate.incident_id] += 1
        if per_incident[candidate.incident_id] <= MEMBERS_COMPARED:
            kept.append(candidate)
    return kept[:MAX_COMPARED]


def score_pairs(facts: TipFacts, sig: np.ndarray, candidates: Sequence[Candidate],
                model: PairModel | None = None) -> dict[int, PairScore]:
    """Each candidate's pair score, by its tip id."""
    model = model or shipped_model()
    sketches = np.stack([c.signature if c.signature is not None else signature(c.facts.text) for c in candidates])
    similarities = (sketches == sig).mean(axis=1).tolist()
    seen = name_counts([c.facts for c in candidates])
    rows = [pair_features(facts, c.facts, s, seen) for c, s in zip(candidates, similarities, strict=True)]
    probabilities = model.probabilities(np.array(rows)).tolist()
    return {
        candidate.facts.tip_id: PairScore(similarity, probability if has_specific_tie(row) else 0.0, row)
        for candidate, similarity, row, probability in zip(candidates, similarities, rows, probabilities, strict=True)
    }


def decide(facts: TipFacts, sig: np.ndarray, candidates: Sequence[Candidate],
           model: PairModel | None = None) -> DuplicateDecision:
    """Which incident, if any, the report joins: see the module's docstring."""
    model = model or shipped_model()
    usable = compared(facts, candidates)
    if not usable:
        return DuplicateDecision(None, None, None)
    scores = score_pairs(facts, sig, usable, model)
    by_incident: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in usable:
        by_incident[candidate.incident_id].append(candidate)  # type: ignore[index]
    best: tuple[float, int, Candidate] | None = None  # (score, incident, best member)
    for incident_id, members in by_incident.items():
        probabilities = sorted((scores[m.facts.tip_id].probability for m in members), reverse=True)
        score = ((1 - model.incident_mean_weight) * probabilities[0]
                 + model.incident_mean_weight * sum(probabilities) / len(probabilities))
        top = max(members, key=lambda m: scores[m.facts.tip_id].probability)
        if best is None or score > best[0]:
            best = (score, incident_id, top)
    assert best is not None
    score, incident_id, top = best
    if score < model.threshold:
        return DuplicateDecision(None, None, None)
    copies = [m.facts.tip_id for m in by_incident[incident_id] if scores[m.facts.tip_id].similarity >= SAME_WORDS]
    return DuplicateDecision(incident_id, top.facts.tip_id, round(score, 3), _reasons(scores[top.facts.tip_id].row),
                             copies[0] if copies else None)
