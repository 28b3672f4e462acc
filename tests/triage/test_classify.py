"""The classifier: data formats, metrics, thresholds, training, serving and the commands."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from triage import classify
from triage.classify import LabelledText
from triage.models import NeedsHumanReason

SMALL = [
    *[LabelledText(f"cocaine packets hidden in truck number {i} at the border", ("drugs",)) for i in range(12)],
    *[LabelledText(f"the officer took {i}00 dollars bribe to let the bus pass", ("bribery",)) for i in range(12)],
    *[LabelledText(f"officer took bribe and cocaine truck passed, case {i}", ("bribery", "drugs")) for i in range(6)],
    *[LabelledText(f"hello how do I use this service, question {i}", ("other",)) for i in range(12)],
]


def test_it_reads_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "data.jsonl"
    jsonl.write_text('{"text": "a b c d", "labels": ["x", "y"]}\n\n{"text": "e", "labels": "z"}\n', encoding="utf-8")
    csv_file = tmp_path / "data.csv"
    csv_file.write_text("text,labels\n\"a, b\",x|y\nc,z\n", encoding="utf-8")
    assert classify.read_examples(jsonl) == [LabelledText("a b c d", ("x", "y")), LabelledText("e", ("z",))]
    assert classify.read_examples(csv_file) == [LabelledText("a, b", ("x", "y")), LabelledText("c", ("z",))]


def test_a_bad_line_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "labels": ["x"]}\n{"text": "no labels"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        classify.read_examples(bad)


def test_metrics_match_a_hand_computed_example() -> None:
    truth = [{"a"}, {"a", "b"}, {"b"}, set()]
    predicted = [{"a"}, {"a"}, {"a", "b"}, {"b"}]
    report = classify.per_label_scores(truth, predicted, ["a", "b"])
    assert report["per_label"]["a"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2})
    assert report["per_label"]["b"]["precision"] == pytest.approx(0.5)
    assert report["per_label"]["b"]["recall"] == pytest.approx(0.5)
    assert report["micro_f1"] == pytest.approx(2 * 3 / (2 * 3 + 2 + 1))
    assert report["macro_f1"] == pytest.approx((0.8 + 0.5) / 2)


def test_one_threshold_is_learned_and_an_unsure_tip_gets_its_likeliest_label() -> None:
    scores = [{"a": 0.9, "b": 0.2}, {"a": 0.3, "b": 0.35}, {"a": 0.1, "b": 0.6}]
    truth = [{"a"}, {"b"}, {"b"}]
    threshold = classify.tune_threshold(scores, truth, ["a", "b"])
    rule = classify.DecisionRule(dict.fromkeys(["a", "b"], threshold))
    assert [rule.best_guess(s) for s in scores] == [["a"], ["b"], ["b"]]
    strict = classify.DecisionRule({"a": 0.8, "b": 0.8})
    assert strict.labels({"a": 0.3, "b": 0.4}) == [] and strict.best_guess({"a": 0.3, "b": 0.4}) == ["b"]


def test_the_split_is_stratified_and_repeatable() -> None:
    first = classify.split_examples(SMALL, 0.25, seed=1)
    assert first == classify.split_examples(SMALL, 0.25, seed=1)
    assert {e.labels[0] for e in first[1]} == {"drugs", "bribery", "other"}


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model")
    classify.train_classifier(SMALL, path, architecture="bow", max_epochs=15, patience=4)
    return path


def test_a_trained_model_labels_tips_and_says_when_it_needs_a_human(small_model: Path) -> None:
    model = classify.LoadedClassifier(small_model)
    assert model.labels == ["bribery", "drugs", "other"]
    result = model.classify("cocaine packets hidden in a truck at the border crossing")
    assert "drugs" in result.labels and not result.needs_human
    assert set(result.scores) == {"bribery", "drugs", "other"}
    short = model.classify("hi there")
    assert short.reason == NeedsHumanReason.TOO_SHORT and short.needs_human and len(short.labels) == 1
    meta = json.loads((small_model / classify.META_FILE).read_text())
    assert set(meta["thresholds"]) == {"bribery", "drugs", "other"} and meta["summary"]["examples"] == len(SMALL)


def test_training_refuses_data_with_one_label(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two labels"):
        classify.train_classifier([LabelledText("a b c d", ("x",))] * 5, tmp_path)


@pytest.mark.django_db
def test_the_commands_train_register_promote_and_evaluate(tmp_path: Path, settings) -> None:
    settings.TIPLINE_MODELS_DIR = tmp_path / "models"
    data = tmp_path / "train.csv"
    data.write_text("text,labels\n" + "\n".join(f'"{e.text}",{"|".join(e.labels)}' for e in SMALL), encoding="utf-8")
    out = StringIO()
    call_command("train_classifier", "--data", str(data), "--promote", "--architecture", "bow", "--epochs", "10", stdout=out)
    assert "macro F1" in out.getvalue() and "promoted" in out.getvalue()

    from triage.models import ClassifierVersion

    version = ClassifierVersion.objects.get(is_active=True)
    assert version.labels == ["bribery", "drugs", "other"] and version.metrics["macro_f1"] > 0
    classify.forget_active_classifier()
    loaded, version_id = classify.active_classifier()
    assert version_id == version.pk and loaded.version == version.version

    report = StringIO()
    call_command("evaluate_classifier", "--model", str(classify.version_path(version)), "--data", str(data), "--json", stdout=report)
    figures = json.loads(report.getvalue())
    assert figures["documents"] == len(SMALL) and figures["macro_f1"] > 0.5 and figures["docs_per_second"] > 0

    out = StringIO()
    call_command("train_classifier", "--if-missing", stdout=out)
    assert "nothing to do" in out.getvalue() and ClassifierVersion.objects.count() == 1
    classify.forget_active_classifier()


def test_the_commands_explain_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("train_classifier", "--data", str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="not a model directory"):
        call_command("evaluate_classifier", "--model", str(tmp_path), "--data", str(tmp_path / "x.jsonl"))


@pytest.mark.django_db
def test_a_promotion_reaches_a_running_worker_with_its_next_batch(active_model: object, seed_model_dir: Path) -> None:
    from triage import classify

    assert classify.active_classifier()[1] == active_model.pk  # type: ignore[attr-defined]
    meta = json.loads((seed_model_dir / classify.META_FILE).read_text())
    report = classify.TrainingReport(seed_model_dir, meta["labels"], meta["thresholds"], meta["metrics"], meta["summary"])
    newer = classify.register_version(report, "test-newer")
    classify.promote_version(newer)

    loaded, version_id = classify.active_classifier()  # no restart, nothing forgotten by hand
    assert version_id == newer.pk and loaded.version == newer.version
