"""Evaluate a trained classifier on a labelled file."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage import classify


class Command(BaseCommand):
    help = "Per-label precision, recall and F1, micro and macro F1, and documents per second."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", type=Path, required=True, help="a model directory written by train_classifier")
        parser.add_argument("--data", type=Path, required=True, help="JSONL {text, labels} or CSV text,labels")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: object, **options: object) -> None:
        model, data = options["model"], options["data"]
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
        self.stdout.write(f"{'label':28} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
        for label, scores in report["per_label"].items():  # type: ignore[union-attr]
            self.stdout.write(
                f"{label:28} {scores['precision']:9.3f} {scores['recall']:7.3f} {scores['f1']:6.3f} {scores['support']:8d}"
            )
        self.stdout.write(
            f"micro F1 {report['micro_f1']:.3f}   macro F1 {report['macro_f1']:.3f}   "
            f"{report['docs_per_second']} documents/s over {report['documents']}"
        )
