"""The tip classifier: spaCy `textcat_multilabel` trained here, with per-label thresholds.

See docs/classifier.md. Labels come from the data, so the same code trains on any taxonomy.

Training, in order:
1. split the examples (fixed seed) into training and validation, stratified by first label;
2. oversample examples of rare labels, so class balance does not drown them;
3. train a bag-of-words model on words, word pairs and word prefixes (prefixes stand in for
   stems, which matter for Russian, Arabic and misspellings), evaluating after each epoch;
4. per label, choose the threshold that maximises F1 on the validation split; keep the epoch
   with the best macro F1 and stop after `patience` epochs without improvement;
5. write the spaCy pipeline plus `tipline.json` (labels, thresholds, metrics) to a directory.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example as SpacyExample
from spacy.util import fix_random_seed, minibatch

from reporting.privacy import random_code

from .features import folded_words, reading
from .models import ClassifierVersion, NeedsHumanReason

SEED_PATH = Path(__file__).parent / "seed" / "training.jsonl"
# Written apart from the seed, by another writer; never trained or tuned on (its README).
EVALUATION_PATH = Path(__file__).parent / "evaluation" / "classifier.jsonl"
META_FILE = "tipline.json"
# Shorter than this many words, a tip "says too little" to classify without a human.
MIN_WORDS = 4

BOW_MODEL = {
    "@architectures": "spacy.TextCatBOW.v3",
    "exclusive_classes": False,
    "ngram_size": 1,
    "no_output_layer": False,
    "length": 2**18,
}
ENSEMBLE_MODEL = {
    "@architectures": "spacy.TextCatEnsemble.v2",
    "linear_model": BOW_MODEL,
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 64,
            "rows": [2000, 2000, 1000, 1000],
            "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
            "include_static_vectors": False,
        },
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "window_size": 1, "maxout_pieces": 3, "depth": 2},
    },
}
# "bow" reads the tokens of features.py (words, stems, Latin spellings, concepts) and pairs of
# them. On tips by writers it never saw it beats "ensemble" (the same plus a small CNN over word
# shapes and affixes): 0.749 against 0.722 macro F1 on the cross-writer development split, in a
# sixth of the training time (docs/classifier.md).
ARCHITECTURES = {"ensemble": ENSEMBLE_MODEL, "bow": BOW_MODEL}
DEFAULT_ARCHITECTURE = "bow"


@dataclass(frozen=True)
class LabelledText:
    text: str
    labels: tuple[str, ...]
    language: str = ""


@dataclass
class Classification:
    scores: dict[str, float]
    labels: list[str]
    needs_human: bool
    reason: str = ""  # why a human is needed: a NeedsHumanReason


@dataclass
class TrainingReport:
    path: Path
    labels: list[str]
    thresholds: dict[str, float]
    metrics: dict[str, object]
    summary: dict[str, object]
    epochs: list[dict[str, float]] = field(default_factory=list)


# --- data ---------------------------------------------------------------------------------


def read_examples(path: Path) -> list[LabelledText]:
    """JSONL lines {"text", "labels": [...]} or CSV with columns text,labels (labels split by |)."""
    examples: list[LabelledText] = []
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                labels = tuple(label.strip() for label in (row.get("labels") or "").split("|") if label.strip())
                examples.append(LabelledText(row["text"], labels, row.get("language", "") or ""))
        return examples
    for number, item in iter_jsonl(path):
        try:
            labels = item["labels"]
            labels = [labels] if isinstance(labels, str) else labels
            examples.append(LabelledText(str(item["text"]), tuple(labels), item.get("language", "")))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a {{text, labels}} line ({exc})") from exc
    return examples


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; ValueError naming file and line otherwise."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc})") from exc
            if not isinstance(item, dict):
                raise ValueError(f"{path}:{number}: not a JSON object")
            yield number, item


def seed_examples() -> list[LabelledText]:
    return read_examples(SEED_PATH)


def split_examples(
    examples: Sequence[LabelledText], validation_fraction: float = 0.15, seed: int = 13
) -> tuple[list[LabelledText], list[LabelledText]]:
    """Stratified by first label, so every label has validation examples where it can."""
    rng = random.Random(seed)
    by_label: dict[str, list[LabelledText]] = {}
    for example in examples:
        by_label.setdefault(example.labels[0] if example.labels else "", []).append(example)
    train: list[LabelledText] = []
    validation: list[LabelledText] = []
    for key in sorted(by_label):
        group = by_label[key][:]
        rng.shuffle(group)
        cut = max(1, round(len(group) * validation_fraction)) if len(group) >= 4 else 0
        validation.extend(group[:cut])
        train.extend(group[cut:])
    rng.shuffle(train)
    return train, validation


def label_set(examples: Iterable[LabelledText]) -> list[str]:
    return sorted({label for example in examples for label in example.labels})


# --- features -----------------------------------------------------------------------------


def _doc(nlp: Language, tokens: list[str]) -> Doc:
    return Doc(nlp.vocab, words=tokens)


def _doc_examples(nlp: Language, examples: Sequence[LabelledText], labels: list[str]) -> list[SpacyExample]:
    """Training examples as spaCy examples; a text with nothing to read teaches nothing and is left out."""
    spacy_examples = []
    for example in examples:
        tokens = reading(example.text, example.language)
        if tokens:
            cats = {label: float(label in example.labels) for label in labels}
            spacy_examples.append(SpacyExample.from_dict(_doc(nlp, tokens), {"cats": cats}))
    return spacy_examples


def _balanced(examples: list[SpacyExample], labels: list[str], cap: int = 4) -> list[SpacyExample]:
    """Repeat examples of rare labels (up to `cap` times) towards the most common label's count."""
    counts = Counter(label for ex in examples for label, value in ex.reference.cats.items() if value)
    most = max(counts.values(), default=1)
    balanced: list[SpacyExample] = []
    for ex in examples:
        present = [label for label, value in ex.reference.cats.items() if value]
        repeat = max((min(cap, round(most / counts[label])) for label in present), default=1)
        balanced.extend([ex] * max(1, repeat))
    return balanced


# --- thresholds and metrics ---------------------------------------------------------------


def per_label_scores(
    truth: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]], labels: Sequence[str]
) -> dict[str, object]:
    """Precision, recall and F1 per label, with micro and macro F1."""
    per_label: dict[str, dict[str, float]] = {}
    total_tp = total_fp = total_fn = 0
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if label in t and label in p)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if label not in t and label in p)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if label in t and label not in p)
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    micro_p = total_tp / (total_tp + total_fp) if total_tp + total_fp else 0.0
    micro_r = total_tp / (total_tp + total_fn) if total_tp + total_fn else 0.0
    micro_f1 = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0
    supported = [scores["f1"] for scores in per_label.values() if scores["support"]]
    macro_f1 = sum(supported) / len(supported) if supported else 0.0
    return {"per_label": per_label, "micro_f1": micro_f1, "macro_f1": macro_f1}


def tune_threshold(
    scores: Sequence[dict[str, float]], truth: Sequence[Iterable[str]], labels: Sequence[str],
    exclusive: frozenset[str] = frozenset(), max_labels: int = 0,
) -> float:
    """The one threshold, for every label, with the best macro F1 on these examples.

    One number learned from a validation split of a few hundred tips holds up on tips from other
    writers; ten per-label thresholds learned from the same split fitted its quirks and cost 4
    points of macro F1 on the cross-writer development set (docs/classifier.md).
    """
    best, best_f1 = 0.5, -1.0
    for threshold in [round(0.05 * step, 2) for step in range(2, 15)]:
        rule = DecisionRule(dict.fromkeys(labels, threshold), exclusive, max_labels)
        macro = float(per_label_scores(truth, [rule.best_guess(s) for s in scores], labels)["macro_f1"])
        if macro > best_f1 + 1e-9:
            best, best_f1 = threshold, macro
    return best


def apply_thresholds(scores: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    return sorted(label for label, score in scores.items() if score >= thresholds.get(label, 0.5))


@dataclass(frozen=True)
class DecisionRule:
    """From scores to labels: thresholds, plus what the training data says of labels.

    `exclusive` labels never stood beside another label in the training data ("spam", "not a
    crime report"): when one of them passes its threshold by the widest margin, it is the only
    label; otherwise it is dropped. At most `max_labels` labels, the widest margins (0: any).
    """

    thresholds: dict[str, float]
    exclusive: frozenset[str] = frozenset()
    max_labels: int = 0

    def labels(self, scores: dict[str, float]) -> list[str]:
        """The labels the model is sure of; none when no label passes its threshold."""
        passing = apply_thresholds(scores, self.thresholds)
        if not passing:
            return []
        ranked = sorted(passing, key=lambda label: (self.thresholds.get(label, 0.5) - scores[label], label))
        if ranked[0] in self.exclusive:
            return [ranked[0]]
        kept = [label for label in ranked if label not in self.exclusive]
        return sorted(kept[: self.max_labels] if self.max_labels else kept)

    def best_guess(self, scores: dict[str, float]) -> list[str]:
        """The sure labels, or else the single likeliest one: every tip a resident sends is about
        something, and a caseworker corrects a guess faster than they fill an empty field."""
        return self.labels(scores) or ([max(sorted(scores), key=scores.__getitem__)] if scores else [])

    @classmethod
    def learned_from(cls, examples: Sequence[LabelledText], threshold: float) -> DecisionRule:
        labels = label_set(examples)
        seen_alone = {e.labels[0] for e in examples if len(e.labels) == 1}
        seen_beside = {label for e in examples if len(e.labels) > 1 for label in e.labels}
        max_labels = max((len(e.labels) for e in examples), default=0)
        return cls(dict.fromkeys(labels, threshold), frozenset(seen_alone - seen_beside), max_labels)


# --- training -----------------------------------------------------------------------------


def _readings(texts: Sequence[str], languages: Sequence[str] | None) -> list[list[str]]:
    languages = languages if languages is not None else [""] * len(texts)
    return [reading(text, language) for text, language in zip(texts, languages, strict=True)]


def _score_readings(nlp: Language, readings: Sequence[list[str]], batch_size: int = 256) -> list[dict[str, float]]:
    """Scores per label; zero for a text with nothing to read, which never reaches the model
    (an empty document in a batch breaks spaCy's bag of words)."""
    labels = nlp.get_pipe("textcat_multilabel").labels
    docs = iter(nlp.pipe((_doc(nlp, tokens) for tokens in readings if tokens), batch_size=batch_size))
    return [
        {label: float(score) for label, score in next(docs).cats.items()} if tokens else dict.fromkeys(labels, 0.0)
        for tokens in readings
    ]


def _score_examples(nlp: Language, examples: Sequence[LabelledText]) -> list[dict[str, float]]:
    return _score_readings(nlp, _readings([e.text for e in examples], [e.language for e in examples]))


UPDATES_PER_EPOCH = 250


def train_classifier(
    examples: Sequence[LabelledText],
    output_dir: Path,
    *,
    seed: int = 13,
    max_epochs: int = 40,
    patience: int = 5,
    validation_fraction: float = 0.15,
    architecture: str = DEFAULT_ARCHITECTURE,
    progress: bool = False,
) -> TrainingReport:
    if not examples:
        raise ValueError("No training examples.")
    labels = label_set(examples)
    if len(labels) < 2:
        raise ValueError("At least two labels are needed to train a classifier.")
    fix_random_seed(seed)
    rng = random.Random(seed)
    train, validation = split_examples(examples, validation_fraction, seed)
    validation = validation or train  # tiny data sets: tune on what there is

    nlp = spacy.blank("xx")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": ARCHITECTURES[architecture]})
    for label in labels:
        textcat.add_label(label)
    train_docs = _balanced(_doc_examples(nlp, train, labels), labels)
    optimizer = nlp.initialize(lambda: train_docs)
    # Batches of 32 up to the seed's size; beyond, larger batches keep an epoch near
    # UPDATES_PER_EPOCH updates, so 25,000 examples train in minutes rather than an hour.
    batch_size = max(32, len(train_docs) // UPDATES_PER_EPOCH)

    truth = [set(example.labels) for example in validation]
    shape = DecisionRule.learned_from(train, 0.5)  # which labels stand alone, how many at most
    best: tuple[float, bytes, DecisionRule, int] | None = None
    history: list[dict[str, float]] = []
    epochs = range(max_epochs)
    if progress:
        from tqdm import tqdm

        epochs = tqdm(epochs, desc="training", unit="epoch")
    for epoch in epochs:
        rng.shuffle(train_docs)
        losses: dict[str, float] = {}
        for batch in minibatch(train_docs, size=batch_size):
            nlp.update(batch, sgd=optimizer, drop=0.1, losses=losses)
        scores = _score_examples(nlp, validation)
        threshold = tune_threshold(scores, truth, labels, shape.exclusive, shape.max_labels)
        rule = DecisionRule(dict.fromkeys(labels, threshold), shape.exclusive, shape.max_labels)
        predicted = [rule.best_guess(s) for s in scores]
        macro = float(per_label_scores(truth, predicted, labels)["macro_f1"])
        history.append({"epoch": epoch + 1, "loss": round(losses.get("textcat_multilabel", 0.0), 4), "macro_f1": round(macro, 4)})
        if progress:
            epochs.set_postfix(macro_f1=f"{macro:.3f}")
        if best is None or macro > best[0] + 1e-6:
            best = (macro, nlp.to_bytes(), rule, epoch + 1)
        if epoch + 1 - best[3] >= patience:
            break  # early stopping: no better validation F1 for `patience` epochs

    assert best is not None
    nlp.from_bytes(best[1])
    rule = best[2]
    scores = _score_examples(nlp, validation)
    predicted = [rule.best_guess(s) for s in scores]
    metrics = per_label_scores(truth, predicted, labels)
    metrics["best_epoch"] = best[3]
    summary = {
        "examples": len(examples),
        "training": len(train),
        "validation": len(validation),
        "per_label": dict(sorted(Counter(label for e in examples for label in e.labels).items())),
        "languages": dict(sorted(Counter(e.language or "?" for e in examples).items())),
        "seed": seed,
        "architecture": architecture,
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)
    meta = {
        "labels": labels, "thresholds": rule.thresholds, "exclusive_labels": sorted(rule.exclusive),
        "max_labels": rule.max_labels, "metrics": metrics, "summary": summary, "history": history,
    }
    (output_dir / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    return TrainingReport(output_dir, labels, rule.thresholds, metrics, summary, history)


# --- serving ------------------------------------------------------------------------------


class LoadedClassifier:
    """A trained model and its decision rule, ready to classify tips."""

    def __init__(self, path: Path, version: str = "") -> None:
        self.path = path
        self.version = version or path.name
        self.nlp = spacy.load(path)
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        self.labels: list[str] = meta["labels"]
        self.thresholds: dict[str, float] = meta["thresholds"]
        # Models trained before the rule was stored decide by thresholds alone.
        self.rule = DecisionRule(self.thresholds, frozenset(meta.get("exclusive_labels", ())), meta.get("max_labels", 0))

    def scores(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> list[dict[str, float]]:
        return self._scores(_readings(texts, languages))

    def _scores(self, readings: Sequence[list[str]]) -> list[dict[str, float]]:
        return [{label: round(score, 4) for label, score in s.items()} for s in _score_readings(self.nlp, readings)]

    def classify(self, text: str, language: str = "") -> Classification:
        return self.classify_many([text], [language])[0]

    def classify_many(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> list[Classification]:
        """Any text, in any batch: one with nothing to read gets no label and needs a human."""
        readings = _readings(texts, languages)
        results = []
        for text, tokens, scores in zip(texts, readings, self._scores(readings), strict=True):
            sure = self.rule.labels(scores) if tokens else []
            if not tokens:
                results.append(Classification(scores, [], True, NeedsHumanReason.NOTHING_TO_READ))
            elif len(folded_words(text)) < MIN_WORDS:
                results.append(Classification(scores, self.rule.best_guess(scores), True, NeedsHumanReason.TOO_SHORT))
            elif not sure:
                results.append(Classification(scores, self.rule.best_guess(scores), True, NeedsHumanReason.UNSURE))
            else:
                results.append(Classification(scores, sure, False))
        return results


def evaluate_classifier(classifier: LoadedClassifier, examples: Sequence[LabelledText], worst: int = 15) -> dict[str, object]:
    """Micro and macro F1, per label and per language, the commonest confusions, the most
    confident mistakes, and documents per second."""
    texts = [example.text for example in examples]
    languages = [example.language for example in examples]
    started = time.perf_counter()
    results = classifier.classify_many(texts, languages)
    elapsed = time.perf_counter() - started
    predicted = [set(result.labels) for result in results]
    truth = [set(example.labels) for example in examples]
    labels = sorted(set(classifier.labels) | set(label_set(examples)))
    report = per_label_scores(truth, predicted, labels)
    by_language: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        by_language.setdefault(example.language or "?", []).append(index)
    report["per_language"] = {
        language: {
            "documents": len(indexes),
            **{key: value for key, value in per_label_scores(
                [truth[i] for i in indexes], [predicted[i] for i in indexes], labels
            ).items() if key != "per_label"},
        }
        for language, indexes in sorted(by_language.items())
    }
    report["confusions"] = confusions(truth, predicted)
    report["worst_errors"] = _worst_errors(examples, results, worst)
    report["nothing_to_read"] = sum(1 for result in results if result.reason == NeedsHumanReason.NOTHING_TO_READ)
    report["documents"] = len(texts)
    report["docs_per_second"] = round(len(texts) / elapsed, 1) if elapsed else None
    report["model"] = classifier.version
    return report


NO_LABEL = "(none)"


def confusions(truth: Sequence[set[str]], predicted: Sequence[set[str]], top: int = 12) -> list[tuple[str, str, int]]:
    """(true label, label given instead, count), commonest first; "(none)" on either side for a
    missed label with nothing in its place, or a label given where none was due."""
    counts: Counter[tuple[str, str]] = Counter()
    for true, given in zip(truth, predicted, strict=True):
        missed, extra = sorted(true - given), sorted(given - true)
        for label in missed:
            counts.update((label, wrong) for wrong in extra or [NO_LABEL])
        if not missed:
            counts.update((NO_LABEL, wrong) for wrong in extra)
    return [(true, wrong, count) for (true, wrong), count in counts.most_common(top)]


def _worst_errors(examples: Sequence[LabelledText], results: Sequence[Classification], top: int) -> list[dict[str, object]]:
    """The mistakes made with the highest score for a wrong label (or the lowest for a missed one)."""
    errors = []
    for example, result in zip(examples, results, strict=True):
        if set(result.labels) == set(example.labels):
            continue
        wrong = [result.scores.get(label, 0.0) for label in set(result.labels) - set(example.labels)]
        missed = [1 - result.scores.get(label, 0.0) for label in set(example.labels) - set(result.labels)]
        errors.append((max(wrong + missed), example, result))
    errors.sort(key=lambda item: -item[0])
    return [
        {"text": example.text[:300], "language": example.language, "expected": list(example.labels),
         "given": result.labels, "confidence": round(confidence, 3)}
        for confidence, example, result in errors[:top]
    ]


# --- versions -----------------------------------------------------------------------------


def new_version_name() -> str:
    return timezone.now().strftime("%Y%m%d-%H%M%S-") + random_code(4).lower()


def register_version(report: TrainingReport, version: str, trained_by: object = None) -> ClassifierVersion:
    try:
        stored_path = str(report.path.resolve().relative_to(Path(settings.TIPLINE_MODELS_DIR).resolve()))
    except ValueError:
        stored_path = str(report.path.resolve())  # outside the models directory: keep it absolute
    return ClassifierVersion.objects.create(
        version=version,
        path=stored_path,
        labels=report.labels,
        thresholds=report.thresholds,
        metrics=report.metrics,
        training_summary=report.summary,
        trained_by=trained_by,
    )


def promote_version(version: ClassifierVersion, promoted_by: object = None) -> None:
    """Make this version the one every worker serves (they pick it up within a minute)."""
    with transaction.atomic():
        ClassifierVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
        ClassifierVersion.objects.filter(pk=version.pk).update(
            is_active=True, promoted_at=timezone.now(), promoted_by=promoted_by
        )


def version_path(version: ClassifierVersion) -> Path:
    path = Path(version.path)
    return path if path.is_absolute() else Path(settings.TIPLINE_MODELS_DIR) / path


# The active model, loaded once per worker process. Which version is active is looked up on
# each call (once per batch of tips, by id alone), so a promotion reaches every worker with its
# next batch, without a restart.
_active: dict[str, object] = {"version_id": None, "classifier": None}


def active_classifier() -> tuple[LoadedClassifier | None, int | None]:
    version_id = ClassifierVersion.objects.filter(is_active=True).values_list("pk", flat=True).first()
    if version_id is None:
        _active.update(version_id=None, classifier=None)
    elif version_id != _active["version_id"]:
        version = ClassifierVersion.objects.get(pk=version_id)
        _active.update(version_id=version_id, classifier=LoadedClassifier(version_path(version), version.version))
    return _active["classifier"], _active["version_id"]  # type: ignore[return-value]


def forget_active_classifier() -> None:
    """Drop the cached model (tests, and after a promotion in this process)."""
    _active.update(version_id=None, classifier=None)
