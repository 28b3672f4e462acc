"""Classifier figures for bench/triage.py: (b) documents per second, (d) quality vs a baseline.

(d) trains Tipline's classifier and a TF-IDF + logistic-regression baseline (balanced class
weights, scikit-learn: bench-only) on the same training split and scores both on the same test
split. On CrisisLexT26 the test split is whole events the models never saw.
"""

from __future__ import annotations

import csv
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from triage.classify import (
    LabelledText,
    LoadedClassifier,
    evaluate_classifier,
    label_set,
    per_label_scores,
    read_examples,
    seed_examples,
    split_examples,
    train_classifier,
)

CRISISLEX = Path(__file__).resolve().parents[2] / "shared" / "data" / "crisislext26" / "crisislext26_labeled_all.csv"


def crisislex_split(path: Path = CRISISLEX, held_out_fraction: float = 0.2, seed: int = 7) -> tuple[list[LabelledText], list[LabelledText]]:
    """Information type as the label; a fifth of the events held out whole for testing."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("Information Type") not in (None, "", "Not labeled")]
    events = sorted({row["event"] for row in rows})
    random.Random(seed).shuffle(events)
    held_out = set(events[: max(1, round(len(events) * held_out_fraction))])

    def example(row: dict[str, str]) -> LabelledText:
        return LabelledText(row["Tweet Text"], (row["Information Type"],))

    return [example(r) for r in rows if r["event"] not in held_out], [example(r) for r in rows if r["event"] in held_out]


def file_split(path: Path, seed: int = 13) -> tuple[list[LabelledText], list[LabelledText]]:
    return split_examples(read_examples(path), validation_fraction=0.2, seed=seed)


def baseline_scores(train: Sequence[LabelledText], test: Sequence[LabelledText]) -> dict[str, object]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    labels = label_set(train)
    binarizer = MultiLabelBinarizer(classes=labels)
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    features = vectorizer.fit_transform([e.text for e in train])
    model = OneVsRestClassifier(LogisticRegression(class_weight="balanced", max_iter=2000))
    model.fit(features, binarizer.fit_transform([e.labels for e in train]))
    predicted = model.predict(vectorizer.transform([e.text for e in test]))
    predicted_sets = [{labels[i] for i, on in enumerate(row) if on} for row in predicted]
    return per_label_scores([set(e.labels) for e in test], predicted_sets, labels)


def quality(train: Sequence[LabelledText], test: Sequence[LabelledText], architecture: str = "ensemble") -> dict[str, object]:
    """Macro F1 of both models on the same split, and their ratio (target ≥ 1.0)."""
    with tempfile.TemporaryDirectory(prefix="tipline-bench-model-") as directory:
        started = time.perf_counter()
        train_classifier(train, Path(directory), architecture=architecture)
        training_seconds = time.perf_counter() - started
        ours = evaluate_classifier(LoadedClassifier(Path(directory)), test)
    baseline = baseline_scores(train, test)
    return {
        "train": len(train),
        "test": len(test),
        "architecture": architecture,
        "training_seconds": round(training_seconds, 1),
        "tipline_macro_f1": round(float(ours["macro_f1"]), 4),
        "tipline_micro_f1": round(float(ours["micro_f1"]), 4),
        "baseline_macro_f1": round(float(baseline["macro_f1"]), 4),
        "baseline_micro_f1": round(float(baseline["micro_f1"]), 4),
        "ratio": round(float(ours["macro_f1"]) / float(baseline["macro_f1"]), 3) if baseline["macro_f1"] else None,
    }


def throughput(texts: Sequence[str], repeats: int = 5, architecture: str = "ensemble") -> dict[str, object]:
    """Documents per second of the classifier beside spaCy's tokenizer alone on the same texts."""
    train = seed_examples()
    with tempfile.TemporaryDirectory(prefix="tipline-bench-model-") as directory:
        train_classifier(train, Path(directory), architecture=architecture, max_epochs=3, patience=3)
        classifier = LoadedClassifier(Path(directory))
        classifier.scores(texts[:200])  # warm-up
        model_runs, tokenizer_runs = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            classifier.scores(texts)
            model_runs.append(len(texts) / (time.perf_counter() - started))
            started = time.perf_counter()
            for _doc in classifier.nlp.tokenizer.pipe(texts, batch_size=256):
                pass
            tokenizer_runs.append(len(texts) / (time.perf_counter() - started))
    model_rate, tokenizer_rate = statistics.median(model_runs), statistics.median(tokenizer_runs)
    return {
        "documents": len(texts),
        "architecture": architecture,
        "classifier_docs_per_s": round(model_rate),
        "tokenizer_docs_per_s": round(tokenizer_rate),
        "ratio": round(model_rate / tokenizer_rate, 3),
    }
