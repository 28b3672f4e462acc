"""Fitting the pair model on the team's development set (`manage.py train_dedup`).

Training pairs are the ones the decision really meets: every report against the candidates the
index finds for it (and their incidents' members) among the earlier reports of the file, with a
specific tie between them, labelled by whether both belong to one incident. A caseworker's "not the same event" adds negative pairs.
The model is a logistic regression over `decision.FEATURES`, in plain numpy (L2-regularised,
positives weighted up to balance the classes). The threshold and the incident mix are then
chosen by clustering and keeping the best pairwise F1 among the
settings whose precision is at least `PRECISION_FLOOR`, each writer of the development set held
out in turn (a model fitted on the others clusters it), so the choice is made on writing the
model never read: a false merge hides a case, a missed one costs a caseworker a merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from .decision import FEATURES, PairModel, has_specific_tie, name_counts, pair_features
from .evaluation import cluster_in_order, pair_counts, pairwise_scores, prf
from .evidence import TipFacts
from .index import MemoryIndex
from .sketches import band_hashes, jaccard, signature

PRECISION_FLOOR = 0.88  # pooled over held-out writers: the evaluation target (0.85) with a margin
L2 = 0.001  # on the mean loss, over standardised features
STEPS = 8000
THRESHOLDS = tuple(round(0.3 + 0.05 * step, 2) for step in range(14)) + (0.97, 0.99)  # 0.30 … 0.95, 0.97, 0.99
# Never 0: a report that resembles one member only must not chain a new event into the incident.
MEAN_WEIGHTS = (0.25, 0.5, 0.75)


def training_pairs(items: Sequence[TipFacts], incidents: Sequence[str], window: timedelta,
                   not_same: Sequence[tuple[TipFacts, TipFacts]] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and 0/1 labels of the candidate pairs, in arrival order."""
    order = sorted(range(len(items)), key=lambda i: (items[i].received_at, items[i].tip_id))
    index = MemoryIndex()
    truth = {items[i].tip_id: incidents[i] for i in range(len(items))}
    numbers = {incident: number for number, incident in enumerate(dict.fromkeys(incidents), start=1)}
    signatures: dict[int, np.ndarray] = {}
    rows: list[list[float]] = []
    labels: list[int] = []
    for position in order:
        facts = items[position]
        sig = signature(facts.text)
        signatures[facts.tip_id] = sig
        bands = band_hashes(sig)
        candidates = index.candidates(facts, bands, facts.received_at - window)
        seen = name_counts([c.facts for c in candidates])
        for candidate in candidates:
            old = candidate.facts
            row = pair_features(facts, old, jaccard(sig, signatures[old.tip_id]), seen)
            if has_specific_tie(row):  # the others are never asked about (decision.has_specific_tie)
                rows.append(row)
                labels.append(int(truth[facts.tip_id] == truth[old.tip_id]))
        # Indexed under its true incident, so the members the index returns are the true ones.
        index.add(facts, bands, sig, numbers[truth[facts.tip_id]])
    for a, b in not_same:
        rows.append(pair_features(a, b, jaccard(signature(a.text), signature(b.text))))
        labels.append(0)
    return np.array(rows, dtype=float), np.array(labels, dtype=float)


def fit_logistic(rows: np.ndarray, labels: np.ndarray, l2: float = L2, steps: int = STEPS) -> tuple[np.ndarray, float]:
    """Weights and bias by gradient descent on the balanced log loss (features standardised inside)."""
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale == 0] = 1.0
    x = (rows - mean) / scale
    positives = max(1.0, labels.sum())
    weight = np.where(labels == 1, len(labels) / (2 * positives), len(labels) / (2 * max(1.0, len(labels) - positives)))
    w, b = np.zeros(x.shape[1]), 0.0
    rate = 0.5
    for _step in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        error = (p - labels) * weight
        w -= rate * (x.T @ error / len(labels) + l2 * w)
        b -= rate * float(error.mean())
    # Back to the raw features, so serving needs no standardisation.
    raw = w / scale
    return raw, b - float(raw @ mean)


def _settings_by_group(items: Sequence[TipFacts], incidents: Sequence[str], groups: Sequence[str],
                       window: timedelta) -> dict[tuple[float, float], list[int]]:
    """Pooled pair counts [hits, predicted, true] of every setting, each group held out in turn
    from a model fitted on the other groups: how the settings do on writers the model never read."""
    pooled: dict[tuple[float, float], list[int]] = {}
    for held in sorted(set(groups)):
        train = [i for i, g in enumerate(groups) if g != held]
        test = [i for i, g in enumerate(groups) if g == held]
        rows, labels = training_pairs([items[i] for i in train], [incidents[i] for i in train], window)
        weights, bias = fit_logistic(rows, labels)
        ordered = sorted((items[i] for i in test), key=lambda f: (f.received_at, f.tip_id))
        truth = {str(items[i].tip_id): incidents[i] for i in test}
        for mean_weight in MEAN_WEIGHTS:
            for threshold in THRESHOLDS:
                model = PairModel(weights, bias, threshold, mean_weight)
                clusters = {str(k): str(v) for k, v in cluster_in_order(ordered, window, model).items()}
                counts = pooled.setdefault((threshold, mean_weight), [0, 0, 0])
                for position, value in enumerate(pair_counts(truth, clusters)):
                    counts[position] += value
    return pooled


def train_pair_model(items: Sequence[TipFacts], incidents: Sequence[str], window: timedelta,
                     not_same: Sequence[tuple[TipFacts, TipFacts]] = (),
                     groups: Sequence[str] | None = None) -> tuple[PairModel, dict[str, object]]:
    """The pair model fitted on every item; its threshold and incident mix chosen on held-out writers.

    `groups` names each item's writer: each is held out in turn (when there are two or more), and
    the setting with the best pooled F1 among those with precision ≥ PRECISION_FLOOR is kept.
    """
    rows, labels = training_pairs(items, incidents, window, not_same)
    weights, bias = fit_logistic(rows, labels)
    if groups is not None and len(set(groups)) > 1:
        pooled = _settings_by_group(items, incidents, groups, window)
        scored = [(prf(*counts), setting) for setting, counts in pooled.items()]
        source = "held-out writers"
    else:
        truth = {str(f.tip_id): incident for f, incident in zip(items, incidents, strict=True)}
        ordered = sorted(items, key=lambda f: (f.received_at, f.tip_id))
        scored = []
        for mean_weight in MEAN_WEIGHTS:
            for threshold in THRESHOLDS:
                clusters = cluster_in_order(ordered, window, PairModel(weights, bias, threshold, mean_weight))
                scores = pairwise_scores(truth, {str(k): str(v) for k, v in clusters.items()})
                scored.append(((scores["precision"], scores["recall"], scores["f1"]), (threshold, mean_weight)))
        source = "the training items themselves"
    admissible = [s for s in scored if s[0][0] >= PRECISION_FLOOR] or scored
    (precision, recall, f1), (threshold, mean_weight) = max(admissible, key=lambda s: (s[0][2], s[0][0]))
    report = {"pairs": len(labels), "positive_pairs": int(labels.sum()), "threshold": threshold,
              "incident_mean_weight": mean_weight, "chosen_on": source,
              "development_pairwise": {"precision": precision, "recall": recall, "f1": f1},
              "weights": dict(zip(FEATURES, [round(float(w), 3) for w in weights], strict=True))}
    return PairModel(weights, bias, threshold, mean_weight), report
