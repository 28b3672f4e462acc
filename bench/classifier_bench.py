"""Classifier figures for bench/triage.py: (b) documents per second, (d) quality vs a baseline.

(d) trains Tipline's classifier and a TF-IDF + logistic-regression baseline (balanced class
weights, scikit-learn: bench-only) on the same training data and scores both on the same test
tips: by default the seed set, then the separately written evaluation set; on CrisisLexT26 the
test split is whole events the models never saw.
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
    DEFAULT_ARCHITECTURE,
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


def baseline_predictions(train: Sequence[LabelledText], test: Sequence[LabelledText]) -> list[set[str]]:
    """TF-IDF word 1–2-grams + balanced logistic regression, one per label, on the raw texts."""
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
    return [{labels[i] for i, on in enumerate(row) if on} for row in predicted]


def baseline_scores(train: Sequence[LabelledText], test: Sequence[LabelledText]) -> dict[str, object]:
    return per_label_scores([set(e.labels) for e in test], baseline_predictions(train, test), label_set(train))


def quality(train: Sequence[LabelledText], test: Sequence[LabelledText], architecture: str = DEFAULT_ARCHITECTURE) -> dict[str, object]:
    """Macro F1 of both models on the same split, overall and per language, and their ratio."""
    with tempfile.TemporaryDirectory(prefix="tipline-bench-model-") as directory:
        started = time.perf_counter()
        report = train_classifier(train, Path(directory), architecture=architecture)
        training_seconds = time.perf_counter() - started
        ours = evaluate_classifier(LoadedClassifier(Path(directory)), test)
    labels = label_set(train)
    baseline = baseline_predictions(train, test)
    truth = [set(e.labels) for e in test]
    baseline_overall = per_label_scores(truth, baseline, labels)
    per_language = {}
    for language in sorted({e.language for e in test}):
        rows = [i for i, e in enumerate(test) if e.language == language]
        theirs = per_label_scores([truth[i] for i in rows], [baseline[i] for i in rows], labels)
        per_language[language or "?"] = {
            "tipline": round(float(ours["per_language"][language or "?"]["macro_f1"]), 3),
            "baseline": round(float(theirs["macro_f1"]), 3),
        }
    return {
        "train": len(train),
        "test": len(test),
        "architecture": architecture,
        "training_seconds": round(training_seconds, 1),
        "validation_macro_f1": round(float(report.metrics["macro_f1"]), 4),
        "tipline_macro_f1": round(float(ours["macro_f1"]), 4),
        "tipline_micro_f1": round(float(ours["micro_f1"]), 4),
        "baseline_macro_f1": round(float(baseline_overall["macro_f1"]), 4),
        "baseline_micro_f1": round(float(baseline_overall["micro_f1"]), 4),
        "ratio": round(float(ours["macro_f1"]) / float(baseline_overall["macro_f1"]), 3) if baseline_overall["macro_f1"] else None,
        "per_language": per_language,
        "per_label_f1": {label: round(float(v["f1"]), 3) for label, v in ours["per_label"].items()},
        "confusions": ours["confusions"][:8],
        "worst_errors": ours["worst_errors"][:10],
    }


def training_times(large: int = 25_000, architecture: str = DEFAULT_ARCHITECTURE) -> dict[str, object]:
    """Seconds to train the seed (what `make run` does) and `large` examples, tqdm bar shown."""
    seed = seed_examples()
    crisis_train, crisis_test = crisislex_split()
    # CrisisLexT26 holds 24,506 labelled tweets; seed tips make up the rest of `large`.
    many = (crisis_train + crisis_test + seed)[:large]
    figures: dict[str, object] = {"architecture": architecture}
    for name, examples in (("seed", seed), ("large", many)):
        with tempfile.TemporaryDirectory(prefix="tipline-bench-model-") as directory:
            started = time.perf_counter()
            report = train_classifier(examples, Path(directory), architecture=architecture, progress=True)
            figures[name] = {
                "examples": len(examples),
                "seconds": round(time.perf_counter() - started, 1),
                "epochs": len(report.epochs),
                "best_epoch": report.metrics["best_epoch"],
            }
    return figures


def throughput(texts: Sequence[str], repeats: int = 5, architecture: str = DEFAULT_ARCHITECTURE) -> dict[str, object]:
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
