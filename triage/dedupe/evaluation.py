"""How well reports are gathered, on a labelled file: the decision run in memory, in arrival order.

Scores are pairwise (every two reports put together, right or wrong) and B-cubed (per report:
how much of its predicted incident is its true one, and the reverse), with the pairs split into
same-language and cross-language ones. Two simple baselines run on the same reports: a rule a
caseworker could apply by hand (same place within 3 km and 3 hours, when both are known), and
word overlap (Jaccard of the word sets) at its best threshold on the file itself.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reporting.intake import occurred_at_for

from ..classify import META_FILE, LoadedClassifier, iter_jsonl, version_path
from ..folding import fold
from ..identifiers import find_identifiers
from ..models import ClassifierVersion
from .decision import PairModel, distance_km
from .evidence import TipFacts, tip_facts
from .index import MemoryIndex, find_duplicate

Pair = tuple[str, str]
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
RULE_KM, RULE_HOURS = 3.0, 3.0  # the hand rule's "same place and time"


def _moment(value: object) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def facts_from_item(position: int, item: dict[str, object], labels: Sequence[str] | None = None) -> TipFacts:
    """A labelled line as the pipeline would see the tip; `labels`: the classifier's, if given."""
    occurred = _moment(item.get("occurred_at"))
    # Without an arrival time, the event's time stands for it, else file order, a minute apart.
    received_at = _moment(item.get("received_at")) or occurred or datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=position)
    occurred_at = occurred or occurred_at_for(str(item.get("occurred_window") or ""), received_at)
    text, language = str(item["text"]), str(item.get("language") or "")
    spans = find_identifiers(text, language)
    return tip_facts(
        position, text, language, received_at, int(item.get("reporter", position)),  # type: ignore[call-overload]
        identifiers=[(span.type, span.normalized) for span in spans],
        labels=labels if labels is not None else tuple(item.get("labels") or ()),  # type: ignore[arg-type]
        latitude=item.get("latitude"), longitude=item.get("longitude"),  # type: ignore[arg-type]
        occurred_at=occurred_at, place_name=str(item.get("place_name") or ""),
    )


def _pairs(clusters: dict[str, str]) -> set[Pair]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item, cluster in clusters.items():
        groups[cluster].append(item)
    return {(a, b) for members in groups.values() for i, a in enumerate(sorted(members)) for b in sorted(members)[i + 1:]}


def prf(hits: int, predicted: int, true: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts of pairs."""
    precision = hits / predicted if predicted else 1.0
    recall = hits / true if true else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def pair_counts(truth: dict[str, str], predicted: dict[str, str],
                keep: Callable[[Pair], bool] | None = None) -> tuple[int, int, int]:
    """(pairs right, pairs predicted, true pairs); `keep` restricts both sides to some pairs."""
    true_pairs, predicted_pairs = _pairs(truth), _pairs(predicted)
    if keep is not None:
        true_pairs = {p for p in true_pairs if keep(p)}
        predicted_pairs = {p for p in predicted_pairs if keep(p)}
    return len(true_pairs & predicted_pairs), len(predicted_pairs), len(true_pairs)


def pairwise_scores(truth: dict[str, str], predicted: dict[str, str],
                    keep: Callable[[Pair], bool] | None = None) -> dict[str, float]:
    """Precision and recall over pairs of reports; with `keep`, also the pair counts."""
    hits, predicted_count, true_count = pair_counts(truth, predicted, keep)
    precision, recall, f1 = prf(hits, predicted_count, true_count)
    scores = {"precision": precision, "recall": recall, "f1": f1}
    return scores | ({"pairs_predicted": predicted_count, "pairs_true": true_count} if keep else {})


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


@dataclass(frozen=True)
class Joining:
    tip_id: int
    matched_tip_id: int
    score: float
    reasons: tuple[str, ...]


def cluster_in_order(items: Iterable[TipFacts], window: timedelta, model: PairModel | None = None,
                     joinings: list[Joining] | None = None) -> dict[int, int]:
    """Run the decision over tips in order with a MemoryIndex; returns tip id → cluster id.

    `joinings`, when given, receives every join with its score (for the worst false merges).
    """
    index = MemoryIndex()
    assignment: dict[int, int] = {}
    for facts in items:
        decision, bands, sig = find_duplicate(facts, index, window, model)
        cluster = decision.incident_id if decision.incident_id is not None else facts.tip_id
        assignment[facts.tip_id] = cluster
        if joinings is not None and decision.matched_tip_id is not None:
            joinings.append(Joining(facts.tip_id, decision.matched_tip_id, decision.similarity or 0.0, decision.reasons))
        index.add(facts, bands, sig, cluster)
    return assignment


def place_time_rule(items: Sequence[TipFacts]) -> dict[int, int]:
    """The hand rule: join the first earlier report within RULE_KM and RULE_HOURS, when both are known."""
    assignment: dict[int, int] = {}
    earlier: list[TipFacts] = []
    for facts in items:
        match = next((old for old in earlier if (d := distance_km(facts, old)) is not None and d <= RULE_KM
                      and facts.occurred_at and old.occurred_at
                      and abs((facts.occurred_at - old.occurred_at).total_seconds()) <= RULE_HOURS * 3600), None)
        assignment[facts.tip_id] = assignment[match.tip_id] if match else facts.tip_id
        earlier.append(facts)
    return assignment


def _word_set(text: str) -> frozenset[str]:
    return frozenset(_WORDS.findall(fold(text)))


def word_overlap_clusters(items: Sequence[TipFacts], threshold: float) -> dict[int, int]:
    """Join the most similar earlier report (Jaccard of word sets) at or above `threshold`."""
    assignment: dict[int, int] = {}
    earlier: list[tuple[TipFacts, frozenset[str]]] = []
    for facts in items:
        words = _word_set(facts.text)
        best, best_score = None, threshold
        for old, old_words in earlier:
            union = words | old_words
            score = len(words & old_words) / len(union) if union else 0.0
            if score >= best_score:
                best, best_score = old, score
        assignment[facts.tip_id] = assignment[best.tip_id] if best else facts.tip_id
        earlier.append((facts, words))
    return assignment


def scores_of(truth: dict[str, str], predicted: dict[str, str], language: dict[str, str]) -> dict[str, object]:
    same = pairwise_scores(truth, predicted, lambda p: language[p[0]] == language[p[1]])
    cross = pairwise_scores(truth, predicted, lambda p: language[p[0]] != language[p[1]])
    return {"pairwise": pairwise_scores(truth, predicted), "bcubed": bcubed_scores(truth, predicted),
            "same_language": same, "cross_language": cross}


def evaluate(items: Sequence[dict[str, object]], facts: Sequence[TipFacts], window: timedelta,
             model: PairModel | None = None, worst: int = 10) -> dict[str, object]:
    """Ours and both baselines on one file, and our worst false merges."""
    ordered = sorted(facts, key=lambda f: (f.received_at, f.tip_id))
    truth = {str(f.tip_id): str(items[f.tip_id]["incident"]) for f in facts}
    language = {str(f.tip_id): f.language for f in facts}
    joinings: list[Joining] = []
    ours = {str(k): str(v) for k, v in cluster_in_order(ordered, window, model, joinings).items()}
    rule = {str(k): str(v) for k, v in place_time_rule(ordered).items()}
    best_overlap: tuple[float, float, dict[str, str]] | None = None
    for step in range(1, 10):
        threshold = step / 10
        clusters = {str(k): str(v) for k, v in word_overlap_clusters(ordered, threshold).items()}
        f1 = pairwise_scores(truth, clusters)["f1"]
        if best_overlap is None or f1 > best_overlap[0]:
            best_overlap = (f1, threshold, clusters)
    assert best_overlap is not None
    false_merges = sorted((j for j in joinings if truth[str(j.tip_id)] != truth[str(j.matched_tip_id)]),
                          key=lambda j: -j.score)[:worst]
    return {
        "tips": len(facts),
        "incidents": len(set(truth.values())),
        "ours": scores_of(truth, ours, language),
        "place_time_rule": scores_of(truth, rule, language),
        "word_overlap": scores_of(truth, best_overlap[2], language) | {"threshold": best_overlap[1]},
        "worst_false_merges": [
            {"score": j.score, "reasons": list(j.reasons),
             "tip": {"id": items[j.tip_id]["id"], "language": facts[j.tip_id].language, "text": facts[j.tip_id].text[:160]},
             "joined": {"id": items[j.matched_tip_id]["id"], "language": facts[j.matched_tip_id].language,
                        "text": facts[j.matched_tip_id].text[:160]}}
            for j in false_merges
        ],
    }


# The border incidents; look-alike reports of different events in different languages (lost
# passports, overcharging drivers ...) that share cognates but no name; and same-language
# rewordings of one message, with neither place nor time, among look-alike messages.
DEVELOPMENT_PATHS = tuple(Path(__file__).resolve().parent.parent / "seed" / name
                          for name in ("dedup_development.jsonl", "dedup_development_dd.jsonl",
                                       "dedup_development_de.jsonl"))
EVALUATION_PATHS = tuple(Path(__file__).resolve().parent.parent / "evaluation" / name
                         for name in ("dedup.jsonl", "dedup_rewordings.jsonl"))


def read_items(path: Path) -> list[dict[str, object]]:
    """A labelled file's lines; ValueError names the first bad one."""
    items = []
    for number, item in iter_jsonl(path):
        if not {"id", "text", "incident"} <= set(item):
            raise ValueError(f"{path}:{number}: needs id, text and incident")
        items.append(item)
    return items


def classifier_for(model: Path | None, labels: str) -> LoadedClassifier | None:
    """The classifier whose categories the decision reads: `model`, else the active one; None
    when `labels` is "file" (the file's own categories). ValueError says what is missing."""
    if labels == "file":
        return None
    if model is None:
        version = ClassifierVersion.objects.filter(is_active=True).first()
        if version is None:
            raise ValueError("no active classifier: give --model, or --labels file to use the file's categories")
        model = version_path(version)
    if not (model / META_FILE).exists():
        raise ValueError(f"{model}: not a model directory (no {META_FILE})")
    return LoadedClassifier(model)


def labelled_facts(items: Sequence[dict[str, object]], classifier: LoadedClassifier | None) -> list[TipFacts]:
    """Facts of every line; categories from `classifier` as the pipeline would have them, else the file's."""
    labels: list[Sequence[str] | None] = [None] * len(items)
    if classifier is not None:
        results = classifier.classify_many([str(i["text"]) for i in items], [str(i.get("language") or "") for i in items])
        labels = [r.labels for r in results]
    return [facts_from_item(position, item, labels[position]) for position, item in enumerate(items)]
