"""Evaluate a trained classifier on a labelled file (by default the evaluation set)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage import classify
from triage.models import ClassifierVersion


class Command(BaseCommand):
    help = (
        "Micro and macro F1, per label and per language, the commonest confusions and the most confident "
        "mistakes. By default: the active model on the separately written evaluation set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", type=Path, help="a model directory written by train_classifier (default: the active one)")
        parser.add_argument("--data", type=Path, default=classify.EVALUATION_PATH,
                            help="JSONL {text, labels[, language]} or CSV text,labels (default: triage/evaluation/classifier.jsonl)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: object, **options: object) -> None:
        model, data = options["model"] or self._active_model(), options["data"]
        if not (model / classify.META_FILE).exists():  # type: ignore[operator]
            raise CommandError(f"{model}: not a model directory (no {classify.META_FILE})")
        if not data.exists():  # type: ignore[union-attr]
            raise CommandError(f"{data}: no such file")
        try:
            examples = classify.read_examples(data)  # type: ignore[arg-type]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report = classify.evaluate_classifier(classify.LoadedClassifier(model), examples)  # type: ignore[arg-type]
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self._print(report)

    def _active_model(self) -> Path:
        version = ClassifierVersion.objects.filter(is_active=True).first()
        if version is None:
            raise CommandError("no active classifier: give --model, or train one with train_classifier --promote")
        return classify.version_path(version)

    def _print(self, report: dict) -> None:
        write = self.stdout.write
        write(f"model {report['model']}: {report['documents']} documents, {report['nothing_to_read']} with nothing to read, "
              f"{report['docs_per_second']} documents/s")
        write(f"\nmacro F1 {report['macro_f1']:.3f}   micro F1 {report['micro_f1']:.3f}\n")
        write(f"{'label':28} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
        for label, scores in report["per_label"].items():
            write(f"{label:28} {scores['precision']:9.3f} {scores['recall']:7.3f} {scores['f1']:6.3f} {scores['support']:8d}")
        write(f"\n{'language':28} {'macro F1':>9} {'micro F1':>9} {'documents':>10}")
        for language, scores in report["per_language"].items():
            write(f"{language:28} {scores['macro_f1']:9.3f} {scores['micro_f1']:9.3f} {scores['documents']:10d}")
        write("\ncommonest confusions (expected -> given instead):")
        for expected, given, count in report["confusions"]:
            write(f"  {count:4d}  {expected} -> {given}")
        write("\nmost confident mistakes:")
        for error in report["worst_errors"]:
            write(f"  [{error['language'] or '?'}] expected {'+'.join(error['expected']) or '-'}, "
                  f"given {'+'.join(error['given']) or '-'} ({error['confidence']}): {error['text'][:160]}")
